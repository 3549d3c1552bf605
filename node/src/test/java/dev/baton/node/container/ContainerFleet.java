package dev.baton.node.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import dev.baton.node.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * Node containers of the image built from the project's Dockerfile on the local base image, on
 * one Docker network where they share the DNS alias {@code baton}: Kubernetes DNS discovery, as
 * in a cluster. Each writes its journal to a bind-mounted directory of the host.
 */
final class ContainerFleet implements AutoCloseable {

    static final String BASE_IMAGE = "baton-java-base:local";
    static final String ALIAS = "baton";
    private static Future<String> image;
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1)).build();

    private final Network network = Network.newNetwork();
    private final Path journals;
    private final Path logs;
    private final Map<String, String> env;
    private final Map<String, GenericContainer<?>> nodes = new LinkedHashMap<>();
    final List<JournalAudit.Fault> faults = new ArrayList<>();

    ContainerFleet(Path dir, Map<String, String> env) throws IOException {
        this.journals = Files.createDirectories(dir.resolve("journals"));
        this.logs = dir.resolve("logs");
        // The node runs as uid 10001; let it write the journals.
        Files.setPosixFilePermissions(journals, PosixFilePermissions.fromString("rwxrwxrwx"));
        this.env = env;
    }

    static synchronized Future<String> image() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("no Docker engine: start one (bash .ci/install-packages.sh installs it)");
        }
        if (DockerClientFactory.instance().client().listImagesCmd().withImageNameFilter(BASE_IMAGE).exec().isEmpty()) {
            throw new IllegalStateException("no " + BASE_IMAGE + " image: build it with docker/build-base-image.sh");
        }
        if (image == null) {
            Path root = Path.of(System.getProperty("baton.repo.root", "..")).toAbsolutePath().normalize();
            image = new ImageFromDockerfile("baton-node-it", false)
                    .withDockerfile(root.resolve("Dockerfile"))
                    .withBuildArg("JAVA_IMAGE", BASE_IMAGE);
        }
        return image;
    }

    GenericContainer<?> start(String id) {
        GenericContainer<?> node = new GenericContainer<>(DockerImageName.parse(imageName()))
                .withNetwork(network)
                .withNetworkAliases(ALIAS)
                .withCreateContainerCmdModifier(c -> c.withHostName(id))
                .withEnv(env)
                .withEnv("BATON_NODE_ID", id)
                .withEnv("BATON_K8S_SERVICE_DNS", ALIAS)
                .withEnv("BATON_JOURNAL", "/journal/")
                .withFileSystemBind(journals.toString(), "/journal")
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/health/live").forPort(8080).withStartupTimeout(Duration.ofSeconds(90)));
        node.start();
        nodes.put(id, node);
        return node;
    }

    private static String imageName() {
        try {
            return image().get();
        } catch (Exception e) {
            throw new IllegalStateException("building the node image from the Dockerfile failed", e);
        }
    }

    String url(String id, String path) {
        GenericContainer<?> c = nodes.get(id);
        return "http://" + c.getHost() + ":" + c.getMappedPort(8080) + path;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /**
     * Kills the container; returns when the signal was sent for, which is when the test's windows of
     * what the kill costs start (the docker call itself takes up to a second on a busy machine).
     */
    Instant kill(String id) {
        Instant signalled = Instant.now();
        docker().killContainerCmd(nodes.get(id).getContainerId()).withSignal("KILL").exec();
        // The audit's fault at the call's return, as NodeProcess.kill: whatever the victim wrote before, it wrote alive.
        faults.add(JournalAudit.Fault.kill(id, Instant.now()));
        return signalled;
    }

    Instant pause(String id) {
        docker().pauseContainerCmd(nodes.get(id).getContainerId()).exec();
        return Instant.now();
    }

    Instant unpause(String id, Instant pausedAt) {
        Instant at = Instant.now();
        docker().unpauseContainerCmd(nodes.get(id).getContainerId()).exec();
        faults.add(new JournalAudit.Fault(id, pausedAt, at));
        return at;
    }

    Instant disconnect(String id) {
        Instant at = Instant.now();
        docker().disconnectFromNetworkCmd().withNetworkId(network.getId())
                .withContainerId(nodes.get(id).getContainerId()).withForce(true).exec();
        return at;
    }

    Instant reconnect(String id, Instant disconnectedAt) {
        docker().connectToNetworkCmd().withNetworkId(network.getId()).withContainerId(nodes.get(id).getContainerId())
                .withContainerNetwork(new ContainerNetwork().withAliases(ALIAS)).exec();
        Instant at = Instant.now();
        faults.add(JournalAudit.Fault.cut(id, disconnectedAt, at));
        return at;
    }

    /**
     * Waits until every replica that answers on its mapped port lists {@code size} members, and
     * returns when. (Docker does not restore a reconnected container's published port, so the
     * others speak for it.)
     */
    Instant awaitOneCluster(int size, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<Integer> seen = nodes.keySet().stream().filter(id -> nodes.get(id).isRunning())
                    .map(this::members).filter(m -> m >= 0).toList();
            if (!seen.isEmpty() && seen.stream().allMatch(m -> m == size)) {
                return Instant.now();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the replicas did not form one cluster of " + size + " within " + limit);
    }

    /** Waits until every running replica answers 200 on /health/ready: it is a voter and sees a quorum. */
    void awaitReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Map<String, String> notReady = new LinkedHashMap<>();
        do {
            notReady.clear();
            for (String id : nodes.keySet()) {
                if (!nodes.get(id).isRunning()) {
                    continue;
                }
                try {
                    java.net.http.HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(url(id, "/health/ready"))).timeout(Duration.ofSeconds(2)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        notReady.put(id, r.body());
                    }
                } catch (IOException e) {
                    notReady.put(id, e.toString());
                }
            }
            if (notReady.isEmpty()) {
                return;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("replicas not ready after " + limit + ": " + notReady);
    }

    /** Waits until each of the {@code workers} drill workers started a slot at or after {@code slot}. */
    void awaitEveryWorkerPast(int workers, Instant slot, Duration limit) throws InterruptedException {
        awaitExecutions(e -> e.stream().filter(x -> x.worker().startsWith("drill-") && !x.slot().isBefore(slot))
                .map(JournalExecution::worker).distinct().count() == workers, limit,
                "every drill worker to run a slot at or after " + slot);
    }

    private int members(String id) {
        try {
            java.net.http.HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url(id, "/api/cluster"))).timeout(Duration.ofSeconds(2)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body().split("\"nodeId\"", -1).length - 1 : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    List<JournalExecution> executions() {
        try (Stream<Path> files = Files.list(journals)) {
            return JournalReader.read(files.filter(f -> f.toString().endsWith(".jsonl")).toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    JournalAudit audit() {
        JournalAudit audit = JournalAudit.of(executions());
        faults.forEach(audit::fault);
        return audit;
    }

    void awaitExecutions(Predicate<List<JournalExecution>> condition, Duration limit, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(executions())) {
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                nodes.forEach((id, c) -> {
                    String l = c.isRunning() ? c.getLogs() : "(not running)";
                    logs.append("--- ").append(id).append('\n').append(l.length() > 3000 ? l.substring(l.length() - 3000) : l);
                });
                throw new AssertionError("timed out after " + limit + " waiting for " + what + "\n" + logs);
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        nodes.forEach((id, c) -> {
            try {
                if (c.isRunning()) {
                    docker().unpauseContainerCmd(c.getContainerId()).exec();
                }
            } catch (RuntimeException e) {
                // not paused
            }
            keepLog(id, c);
            try {
                c.stop();
            } catch (RuntimeException e) {
                // already gone
            }
        });
        try {
            network.close();
        } catch (RuntimeException e) {
            // still in use by a container that is going away
        }
    }

    /** Each replica's log beside the journals: the test's folder is kept when it fails. */
    private void keepLog(String id, GenericContainer<?> c) {
        try {
            Files.createDirectories(logs);
            Files.writeString(logs.resolve(id + ".log"), c.getLogs());
        } catch (IOException | RuntimeException e) {
            // a container that never started has no log to keep
        }
    }
}
