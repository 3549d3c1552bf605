package dev.baton.bench.fleet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A system under benchmark, and how to start one of its nodes with the drill workload. */
public enum Contender {

    BATON("Baton") {
        @Override
        List<String> command() {
            List<String> command = java();
            command.addAll(List.of("-jar", Path.of(System.getProperty("baton.node.jar", "node/target/baton-node.jar"))
                    .toString()));
            return command;
        }

        @Override
        Map<String, String> env(Workload w, String id, String address, String members, Path journal) {
            Map<String, String> env = new HashMap<>();
            env.put("BATON_NODE_ID", id);
            env.put("BATON_BIND", address);
            env.put("BATON_HTTP_BIND", address);
            env.put("BATON_MEMBERS", members);
            env.put("BATON_CLUSTER_NAME", w.clusterName());
            env.put("BATON_MIN_CLUSTER_SIZE", Integer.toString(w.nodes() / 2 + 1));
            env.put("BATON_DRILL_WORKERS", Integer.toString(w.workers()));
            env.put("BATON_DRILL_PERIOD", w.period().toMillis() + "ms");
            env.put("BATON_DRILL_WORK", w.work());
            env.put("BATON_JOURNAL", journal.toString());
            env.put("BATON_PASSIVE_USERS_PERIOD", "1h");
            env.put("BATON_LOG_LEVEL", "warn");
            // Thousands of drill workers would make thousands of metric series; operators turn it off too.
            env.put("BATON_METRICS_PER_WORKER", Boolean.toString(w.workers() <= 100));
            return env;
        }
    },

    SHEDLOCK("ShedLock") {
        @Override
        List<String> command() {
            List<String> command = java();
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    "dev.baton.bench.shedlock.ShedLockNode"));
            return command;
        }

        @Override
        Map<String, String> env(Workload w, String id, String address, String members, Path journal) {
            return Map.of("NODE_ID", id, "BIND", address, "MEMBERS", members, "CLUSTER_NAME", w.clusterName(),
                    "WORKERS", Integer.toString(w.workers()), "PERIOD_MS", Long.toString(w.period().toMillis()),
                    "JOURNAL", journal.toString());
        }
    };

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    abstract List<String> command();

    abstract Map<String, String> env(Workload workload, String id, String address, String members, Path journal);

    /**
     * The same JVM for both: the Dockerfile's flags, with the heap limits a 512 MiB container gives
     * them (70% maximum, the JVM's default 1/64 initial).
     */
    private static List<String> java() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xms8m", "-Xmx358m", "-XX:+UseSerialGC", "-Xss512k",
                "-XX:+ExitOnOutOfMemoryError", "--add-modules", "java.se",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            List<String> withUnsafe = new ArrayList<>(command);
            withUnsafe.add(1, "--sun-misc-unsafe-memory-access=allow"); // Hazelcast's shaded JCTools uses it
            return withUnsafe;
        }
        return command;
    }
}
