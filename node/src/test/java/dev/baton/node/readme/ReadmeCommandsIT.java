package dev.baton.node.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.testcontainers.DockerClientFactory;

/**
 * A newcomer's first steps, word for word: a fresh clone of this repository, the commands the
 * README's "Quick start" and "docker-compose (one machine)" sections show (read from the README
 * itself, so that the test breaks when the text drifts), and the outcome a person looks at.
 * Alone: the quick start's node takes port 8080 on every address, and its build takes both cores.
 */
@Isolated
class ReadmeCommandsIT {

    private static final Duration BUILD = Duration.ofMinutes(10);
    /** What a person would call alarming in a node's output. */
    private static final Pattern ALARMING = Pattern.compile("\\b(WARN|ERROR)\\b|^WARNING|Exception|sun\\.misc\\.Unsafe");

    /** What {@code docker-compose port} prints: the host address and port, e.g. {@code 0.0.0.0:18081}. */
    private static final Pattern PUBLISHED = Pattern.compile("^\\S*:(\\d+)$");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    /** One clone for both tests, as a newcomer goes on in the same directory. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path work;
    private static FreshClone shared;

    private static synchronized FreshClone freshClone() throws IOException, InterruptedException {
        if (shared == null) {
            shared = FreshClone.of(work, "baton-readme");
        }
        return shared;
    }

    /** The first command of the Quick start builds and runs a node: it answers ready, says nothing alarming, and stops on SIGTERM. */
    @Test
    void theQuickStartRunsANodeThatIsReady() throws Exception {
        FreshClone clone = freshClone();
        List<String> commands = clone.readme().bashBlocks("Quick start").getFirst();
        String runNode = commands.getFirst();
        assertThat(runNode).as("the Quick start's first command runs a node").contains("-jar");

        assertThat(answers("http://127.0.0.1:8080/health/live"))
                .as("nothing else answers on port 8080 before the node starts").isFalse();
        Process shell = clone.start(runNode, "quick-start.log");
        try {
            await("the node to answer /health/ready with UP on port 8080 (" + runNode + ")")
                    .atMost(BUILD).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .failFast("the command ended", () -> !shell.isAlive())
                    .until(() -> get("http://127.0.0.1:8080/health/ready").filter(b -> b.contains("UP")).isPresent());

            // bash may exec the last command of the line itself: the node is the shell or one of its children.
            ProcessHandle node = java.util.stream.Stream.concat(java.util.stream.Stream.of(shell.toHandle()),
                            shell.descendants()).filter(p -> p.info().command().orElse("").endsWith("/java"))
                    .findFirst().orElseThrow(() -> new AssertionError("no java process under '" + runNode + "'"));
            node.destroy();     // SIGTERM, as Ctrl-C
            // BATON_SHUTDOWN_GRACE (10 s) for executions, then at most 20 s to leave the cluster.
            node.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            shell.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            FreshClone.stop(shell, Duration.ofSeconds(30));
        }

        List<String> output = Files.readAllLines(clone.log("quick-start.log"));
        assertThat(output).as("the node prints its configuration").contains("  BATON_HTTP_PORT=8080 (default)");
        assertThat(output).as("the node says it stopped").anyMatch(l -> l.contains("Node stopped"));
        assertThat(alarming(output)).as("nothing alarming in a default start (" + clone.log("quick-start.log") + ")")
                .isEmpty();
    }

    /**
     * The compose commands build the image and start three replicas that form one cluster;
     * {@code docker-compose down} stops them within the grace period, each finishing its shutdown.
     */
    @Test
    void composeRunsOneClusterOfThreeAndStopsGracefully() throws Exception {
        Assumptions.assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "no Docker engine: the compose commands need one (bash .ci/install-packages.sh && bash .ci/start-docker.sh)");
        FreshClone clone = freshClone();
        Assumptions.assumeTrue(clone.run("docker-compose version", "compose-version.log", Duration.ofSeconds(30)) == 0,
                "no docker-compose on PATH: " + clone.tail("compose-version.log"));
        List<List<String>> blocks = clone.readme().bashBlocks("docker-compose (one machine)");
        assertThat(blocks).as("the section shows how to start and how to stop").hasSizeGreaterThanOrEqualTo(2);
        Duration grace = stopGracePeriod(clone.dir().resolve("docker-compose.yml"));
        // Leftovers of an earlier, interrupted run of this test would otherwise join the new replicas.
        clone.run("docker-compose down -v --timeout 5", "cleanup.log", Duration.ofMinutes(2));
        try {
            for (String command : blocks.getFirst()) {
                assertThat(clone.run(command, "compose-up.log", BUILD)).as(command + ":\n" + clone.tail("compose-up.log"))
                        .isZero();
            }
            List<String> replicas = dashboards(clone, 3);
            await("each replica to see one cluster of three members").atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> oneClusterOfThree(replicas));
            // A replica is ready once it holds a voter seat: the voters grow one change at a time.
            for (String replica : replicas) {
                await(replica + "/health/ready to answer UP").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> get(replica + "/health/ready").filter(body -> body.contains("UP")).isPresent());
            }

            // What a newcomer reads after the start: the configuration and the work, nothing alarming.
            clone.run("docker-compose logs --no-color", "compose-start.log", Duration.ofMinutes(1));
            assertThat(alarming(Files.readAllLines(clone.log("compose-start.log"))))
                    .as("nothing alarming in the replicas' start (" + clone.log("compose-start.log") + ")").isEmpty();

            Process logs = clone.start("docker-compose logs --no-color -f", "compose-logs.log");
            // The follower prints each replica's past in turn: a replica removed before its turn comes is never
            // printed ("No such container"), so the stop waits until every replica's start has come through.
            await("the log follower to reach each replica's start").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> followedAll(clone.log("compose-logs.log"), 3));
            boolean stopped = false;
            for (String command : blocks.get(1)) {
                long start = System.nanoTime();
                int exit = clone.run(command, "compose-after.log", BUILD);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(exit).as(command + ":\n" + clone.tail("compose-after.log")).isZero();
                if (command.startsWith("docker-compose down")) {
                    stopped = true;
                    assertThat(took).as("'" + command + "' within stop_grace_period, so nothing was killed")
                            .isLessThan(grace);
                }
            }
            assertThat(stopped).as("the section says how to stop: docker-compose down").isTrue();
            logs.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            FreshClone.stop(logs, Duration.ofSeconds(5));
            List<String> output = Files.readAllLines(clone.log("compose-logs.log"));
            assertThat(output.stream().filter(l -> l.contains("Node stopped")).count())
                    .as("each replica finished its shutdown:\n" + clone.tail("compose-logs.log")).isEqualTo(3);
        } finally {
            clone.run("docker-compose down -v --timeout 5", "cleanup.log", Duration.ofMinutes(2));
        }
    }

    private static boolean followedAll(Path log, int replicas) throws IOException {
        List<String> lines = Files.readAllLines(log);
        for (int i = 1; i <= replicas; i++) {
            Pattern replica = Pattern.compile("^node[_-]" + i + "\\s.*Baton started on node");
            if (lines.stream().noneMatch(l -> replica.matcher(l).find())) {
                return false;
            }
        }
        return true;
    }

    private static List<String> alarming(List<String> output) {
        return output.stream().filter(line -> ALARMING.matcher(line).find()).toList();
    }

    /** The dashboard URL of each replica, from the host port Compose gave it. */
    private List<String> dashboards(FreshClone clone, int replicas) throws IOException, InterruptedException {
        List<String> urls = new ArrayList<>();
        for (int i = 1; i <= replicas; i++) {
            String log = "port-" + i + ".log";
            assertThat(clone.run("docker-compose port --index=" + i + " node 8080", log, Duration.ofSeconds(30)))
                    .as("replica " + i + " of " + replicas + ": " + clone.tail(log)).isZero();
            String output = clone.tail(log);
            String port = output.lines().map(PUBLISHED::matcher).filter(Matcher::matches).map(m -> m.group(1))
                    .reduce((first, last) -> last)
                    .orElseThrow(() -> new AssertionError("no host port in: " + output));
            urls.add("http://127.0.0.1:" + port);
        }
        return urls;
    }

    private boolean oneClusterOfThree(List<String> replicas) throws IOException, InterruptedException {
        Set<Set<String>> views = new java.util.HashSet<>();
        for (String replica : replicas) {
            Optional<String> body = get(replica + "/api/cluster");
            if (body.isEmpty()) {
                return false;
            }
            Set<String> members = new TreeSet<>();
            json.readTree(body.get()).path("memberList").forEach(m -> members.add(m.path("nodeId").asText()));
            views.add(members);
        }
        return views.size() == 1 && views.iterator().next().size() == 3;
    }

    private static Duration stopGracePeriod(Path composeFile) throws IOException {
        Matcher m = Pattern.compile("stop_grace_period:\\s*(\\d+)s").matcher(Files.readString(composeFile));
        assertThat(m.find()).as("docker-compose.yml sets stop_grace_period in seconds").isTrue();
        return Duration.ofSeconds(Long.parseLong(m.group(1)));
    }

    private boolean answers(String url) throws InterruptedException {
        try {
            get(url);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Optional<String> get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    }
}
