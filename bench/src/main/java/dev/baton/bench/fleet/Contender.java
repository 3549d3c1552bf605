package dev.baton.bench.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        Map<String, String> env(Workload w, String id, String address, String members, Path journal,
                                Optional<Postgres> postgres) {
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
            // As the image, compose and the manifests run it: a node killed and restarted is the same
            // voter again. Without it the fail-over part's second fault, seconds after the first
            // node came back as a new voter, took the second of three voters (no majority left).
            env.put("BATON_STATE_DIR", journal.resolveSibling(w.clusterName() + "-" + id + "-state").toString());
            env.put("BATON_PASSIVE_USERS_PERIOD", "1h");
            env.put("BATON_LOG_LEVEL", System.getProperty("bench.baton.logLevel", "warn"));
            // Thousands of drill workers would make thousands of metric series; operators turn it off too.
            env.put("BATON_METRICS_PER_WORKER", Boolean.toString(w.workers() <= 100));
            // -Dbench.baton.claimAhead=0 measures claims at the instant beside the default lead.
            Optional.ofNullable(System.getProperty("bench.baton.claimAhead")).ifPresent(v -> env.put("BATON_CLAIM_AHEAD", v));
            return env;
        }

        @Override
        boolean ready(String address, Path journal, int fleetSize) {
            // A member count alone is not enough: a node is a voter a change or two after it joins
            // (seconds), and a fault struck before that can take one of two voters, which stalls
            // every node until it is back. /health/ready says voter and quorum, as a probe sees it.
            return members(address) == fleetSize && status(address, "/health/ready") == 200;
        }

        private int status(String address, String path) {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + ":8080" + path))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** How many members the node at {@code address} sees in its cluster, or -1 if it cannot tell. */
        private int members(String address) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address
                        + ":8080/api/cluster")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? r.body().split("\"nodeId\"", -1).length - 1 : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
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
        Map<String, String> env(Workload w, String id, String address, String members, Path journal,
                                Optional<Postgres> postgres) {
            return Map.of("NODE_ID", id, "BIND", address, "MEMBERS", members, "CLUSTER_NAME", w.clusterName(),
                    "WORKERS", Integer.toString(w.workers()), "PERIOD_MS", Long.toString(w.period().toMillis()),
                    "WORK_MS", Long.toString(w.workMillis()), "JOURNAL", journal.toString());
        }

        @Override
        boolean ready(String address, Path journal, int fleetSize) {
            try {
                return Integer.parseInt(Files.readString(Path.of(journal + ".members")).trim()) == fleetSize;
            } catch (IOException | NumberFormatException e) {
                return false;
            }
        }
    },

    DBSCHEDULER("db-scheduler") {
        @Override
        List<String> command() {
            List<String> command = java();
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    "dev.baton.bench.dbscheduler.DbSchedulerNode"));
            return command;
        }

        /** Also passes on the tuning variables set for the run (DBS_THREADS, DBS_POLL_MS, ...: DbSchedulerSettings). */
        @Override
        Map<String, String> env(Workload w, String id, String address, String members, Path journal,
                                Optional<Postgres> postgres) {
            Map<String, String> env = new HashMap<>(Map.of("NODE_ID", id,
                    "JDBC_URL", postgres.orElseThrow().url(), "WORKERS", Integer.toString(w.workers()),
                    "PERIOD_MS", Long.toString(w.period().toMillis()), "WORK_MS", Long.toString(w.workMillis()),
                    "JOURNAL", journal.toString()));
            System.getenv().forEach((k, v) -> {
                if (k.startsWith("DBS_")) {
                    env.put(k, v);
                }
            });
            return env;
        }

        /** No cluster to join: a node is ready once its scheduler has started. */
        @Override
        boolean ready(String address, Path journal, int fleetSize) {
            return Files.exists(Path.of(journal + ".ready"));
        }

        @Override
        public boolean needsPostgres() {
            return true;
        }
    };

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    abstract List<String> command();

    /** Whether the node at {@code address} is up and part of a whole fleet of {@code fleetSize}. */
    abstract boolean ready(String address, Path journal, int fleetSize);

    abstract Map<String, String> env(Workload workload, String id, String address, String members, Path journal,
                                     Optional<Postgres> postgres);

    /**
     * Whether its nodes share a PostgreSQL; then the first node starts alone and creates the
     * executions, as in a rolling start, and the others find them.
     */
    public boolean needsPostgres() {
        return false;
    }

    /**
     * The same JVM for all: the Dockerfile's flags, with the heap limits a 512 MiB container gives
     * them (70% maximum, the JVM's default 1/64 initial).
     */
    private static List<String> java() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xms8m", "-Xmx358m", "-XX:+UseParallelGC",
                "-XX:ParallelGCThreads=2", "-Xss512k", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
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
