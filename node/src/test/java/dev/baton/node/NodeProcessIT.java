package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.node.cluster.HazelcastSetup;
import dev.baton.node.config.Config;
import dev.baton.node.config.NodeSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The README's run command: the packaged jar started with {@code java -jar}, as a user runs it. */
@Order(8)
class NodeProcessIT {

    private Process process;
    private Thread reader;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private HazelcastInstance operatorsMember;

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        if (operatorsMember != null) {
            operatorsMember.getLifecycleService().terminate();
        }
    }

    private void start(Map<String, String> env) throws IOException {
        Path jar = Path.of(System.getProperty("baton.node.jar", "target/baton-node.jar"));
        assertThat(jar).exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("BATON_"));
        builder.environment().putAll(env);
        process = builder.start();
        reader = Thread.ofVirtual().name("node-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("output closed: " + e.getMessage());
            }
        });
    }

    @Test
    void theNodeRunsThePassiveUserCheckerEveryPeriodWithTheExecutionInEveryLineAndStopsOnSigterm() throws Exception {
        start(Map.of("BATON_PASSIVE_USERS_PERIOD", "1s", "BATON_NODE_ID", "it-node", "BATON_BIND", "127.0.0.30",
                "BATON_HTTP_BIND", "127.0.0.30"));

        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> lines.stream().filter(l -> l.contains("Completed: setting status")).count() >= 3);
        process.toHandle().destroy(); // SIGTERM without closing our end of its output, as Process.destroy would
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("stops within the shutdown grace").isTrue();
        reader.join(Duration.ofSeconds(5));

        List<String> executionLines = lines.stream().filter(l -> l.contains("setting status of inactive users"))
                .toList();
        assertThat(executionLines).allSatisfy(l -> assertThat(l)
                .containsPattern("worker=PassiveUserCheckerWorker execution=[0-9a-f]{16} slot=\\S+Z fence=\\d+"
                        + " node=it-node\\]"));
        assertThat(lines).anyMatch(l -> l.contains("Node stopped"));
        assertThat(lines).noneMatch(l -> l.contains("Exception"));
    }

    @Test
    void aBadSettingStopsTheNodeWithAMessageThatNamesIt() throws Exception {
        start(Map.of("BATON_PASSIVE_USERS_PERIOD", "often"));

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(Duration.ofSeconds(5));
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(String.join("\n", lines)).contains("Baton cannot start: BATON_PASSIVE_USERS_PERIOD has the value"
                + " 'often', expected a duration such as 500ms, 10s, 5m, 1h, 30d or PT10S");
    }

    @Test
    void aNodeWhoseHazelcastMemberStopsUnderItExitsWithStatusOneForItsSupervisorToRestartIt() throws Exception {
        String cluster = "member-stops-" + System.nanoTime();
        String members = "127.0.0.31:5701,127.0.0.32:5701";
        start(Map.of("BATON_NODE_ID", "it-node", "BATON_BIND", "127.0.0.31", "BATON_HTTP_BIND", "127.0.0.31",
                "BATON_MEMBERS", members, "BATON_CLUSTER_NAME", cluster, "BATON_PASSIVE_USERS_PERIOD", "1s"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream()
                .anyMatch(l -> l.contains("Completed: setting status")));
        // An operator's member (no Baton on it) joins and shuts the whole cluster down, as Management
        // Center's cluster shutdown does: Hazelcast stops the node's member without asking the node.
        operatorsMember = Hazelcast.newHazelcastInstance(HazelcastSetup.build(Config.load(Map.of(
                "BATON_BIND", "127.0.0.32", "BATON_MEMBERS", members, "BATON_CLUSTER_NAME", cluster),
                NodeSettings.ALL), "operator"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> operatorsMember.getCluster().getMembers().size() == 2);
        // Refused while partitions migrate after the join: asked again until it is accepted (the
        // operator's member stops with the others, so a call that failed part-way may have done it).
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (operatorsMember.getLifecycleService().isRunning()) {
                        operatorsMember.getCluster().shutdown();
                    }
                    return true;
                });

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the node stops by itself").isTrue();
        reader.join(Duration.ofSeconds(5));
        assertThat(process.exitValue()).as("exit status, for Kubernetes or Compose to restart it").isEqualTo(1);
        assertThat(lines).anyMatch(l -> l.contains("This node's Hazelcast member stopped while the node was running"));
        assertThat(lines).anyMatch(l -> l.contains("Node stopped"));
    }
}
