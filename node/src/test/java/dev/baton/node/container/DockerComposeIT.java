package dev.baton.node.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import dev.baton.node.journal.JournalReader;
import dev.baton.node.support.Locks;
import dev.baton.node.support.Prerequisite;
import dev.baton.node.support.Requires;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.DockerComposeContainer;

/**
 * The project's docker-compose.yml as the README runs it, {@code BATON_MIN_CLUSTER_SIZE=2
 * docker-compose up -d --scale node=3}, with the local docker-compose: the replicas find each
 * other through the service name, write their journals into the compose file's own named volume
 * with no preparation, and run each drill slot once. Only what the test must isolate is set: the
 * image built from this tree, a cluster name and the dashboard ports.
 */
@Requires({Prerequisite.DOCKER, Prerequisite.DOCKER_COMPOSE})
@ResourceLock(Locks.DOCKER)
@Order(6)
class DockerComposeIT {

    private static final int FIRST_PORT = 28080;
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path journals;
    private String replica;
    private DockerComposeContainer<?> compose;

    @AfterEach
    void down() {
        if (compose != null) {
            compose.stop();
        }
    }

    @Test
    void threeReplicasFormOneClusterAndRunEachSlotOnce() throws Exception {
        Path root = Path.of(System.getProperty("baton.repo.root", "..")).toAbsolutePath().normalize();
        compose = new DockerComposeContainer<>(new File(root.resolve("docker-compose.yml").toString()))
                .withLocalCompose(true)
                .withPull(false)
                .withScaledService("node", 3)
                .withEnv("BATON_IMAGE", ContainerFleet.image().get())
                .withEnv("BATON_CLUSTER_NAME", "compose-" + System.nanoTime())
                .withEnv("BATON_DASHBOARD_PORTS", FIRST_PORT + "-" + (FIRST_PORT + 9))
                .withEnv("BATON_MIN_CLUSTER_SIZE", "2")
                .withEnv("BATON_DRILL_WORKERS", "10");
        compose.start();
        replica = compose.getContainerByServiceName("node_1")
                .orElseThrow(() -> new AssertionError("no replica node_1")).getContainerId();

        awaitJournals(e -> e.stream().map(JournalExecution::node).distinct().count() == 3,
                "the three replicas to share the drill workers");
        // Founded together, the three start at once, each worker catching up on the slots since the
        // containers came up: a slot of those first seconds may be coalesced into the next (the
        // README's joins and merges). The audit starts once that is behind them.
        Instant formed = Instant.now().plusSeconds(3);
        awaitJournals(e -> e.stream().filter(x -> x.start().isAfter(formed.plusSeconds(5))).count() >= 10,
                "five more seconds of drills");

        JournalAudit.Report report = JournalAudit.of(journal()).check("drill-", PERIOD, formed,
                Instant.now().minusSeconds(2), List.of());
        assertThat(report.executions()).isGreaterThanOrEqualTo(30);
        assertThat(report.violations()).as("no slot runs twice, no runs overlap").isEmpty();
        assertThat(report.missed()).as("every slot runs").isEmpty();
        assertThat(clusterFromAnyDashboardPort()).as("a replica's /api/cluster, reached from the host")
                .hasValueSatisfying(body -> assertThat(body.split("\"nodeId\"", -1)).hasSize(4));
    }

    private Optional<String> clusterFromAnyDashboardPort() throws InterruptedException {
        for (int port = FIRST_PORT; port < FIRST_PORT + 10; port++) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/cluster")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return Optional.of(response.body());
                }
            } catch (IOException e) {
                // no replica on this port of the range
            }
        }
        return Optional.empty();
    }

    /** The journals as the replicas wrote them into the volume, copied out through one of them. */
    private List<JournalExecution> journal() throws IOException, InterruptedException {
        Process copy = new ProcessBuilder("docker", "cp", replica + ":/journal/.", journals.toString())
                .redirectErrorStream(true).start();
        String output = new String(copy.getInputStream().readAllBytes());
        if (!copy.waitFor(30, TimeUnit.SECONDS) || copy.exitValue() != 0) {
            copy.destroyForcibly();
            throw new IOException("docker cp of the journal volume failed: " + output);
        }
        try (Stream<Path> files = Files.list(journals)) {
            return JournalReader.read(files.filter(f -> f.toString().endsWith(".jsonl")).toList());
        }
    }

    private void awaitJournals(java.util.function.Predicate<List<JournalExecution>> condition, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.test(journal())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 90 s waiting for " + what);
            }
            Thread.sleep(1000);
        }
    }
}
