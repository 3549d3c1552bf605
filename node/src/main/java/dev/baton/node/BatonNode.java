package dev.baton.node;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.Baton;
import dev.baton.coordinator.BatonHealth;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.node.cluster.HazelcastSetup;
import dev.baton.node.cluster.MemberListCheck;
import dev.baton.node.config.Config;
import dev.baton.node.config.NodeSettings;
import dev.baton.node.drill.DrillWorker;
import dev.baton.node.http.HttpApi;
import dev.baton.node.http.Routes;
import dev.baton.node.journal.ExecutionJournal;
import dev.baton.node.ops.ClusterDirectory;
import dev.baton.node.ops.ClusterHistory;
import dev.baton.node.ops.ClusterView;
import dev.baton.node.ops.NodeMetrics;
import dev.baton.node.ops.WorkerSpec;
import dev.baton.node.users.LoginSimulator;
import dev.baton.node.users.PassiveUserCheckerWorker;
import dev.baton.node.users.UserRepository;
import dev.baton.node.users.UserStore;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.WorkerProvider;
import java.util.List;
import java.util.ServiceLoader;
import dev.baton.worker.spi.Coordination;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: its HTTP surface (up first, so that liveness answers while it joins), a
 * Hazelcast member, the coordination, the manager, the demo and drill workers.
 */
public final class BatonNode implements AutoCloseable {

    /**
     * The longest a node with this lease spends leaving the cluster on shutdown, after running
     * executions had BATON_SHUTDOWN_GRACE to finish: giving its voter seat back and saying goodbye
     * ({@link HazelcastCoordination#closeLimit}: 31.5 s with the default lease), handing its
     * partitions over ({@link #HAND_OVER_LIMIT}) and stopping its HTTP server (1 s): 47.5 s.
     * Deployments give the process longer.
     */
    public static Duration leaveClusterLimit(Duration lease) {
        return HazelcastCoordination.closeLimit(lease).plus(HAND_OVER_LIMIT).plusSeconds(1);
    }
    /** The longest Hazelcast may spend handing this member's partitions over on shutdown. */
    static final Duration HAND_OVER_LIMIT = dev.baton.coordinator.MemberTiming.defaults().gracefulShutdownWait();

    private static final Logger log = LoggerFactory.getLogger(BatonNode.class);

    private enum Phase { STARTING, RUNNING, STOPPING }

    private final Config config;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The member UUID this node is listed under in the directory. */
    private final AtomicReference<String> publishedUuid = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Set when the node stopped because its Hazelcast member stopped under it, not because it was asked to. */
    private final AtomicBoolean memberLost = new AtomicBoolean();
    private HttpApi http;
    private HazelcastInstance hazelcast;
    private Coordination coordination;
    private ServiceContainer services;
    private BackgroundWorkerManager manager;
    private ClusterDirectory directory;
    private ClusterHistory history;
    private NodeMetrics metrics;
    private BatonHealth health;
    private Optional<ExecutionJournal> journal = Optional.empty();
    private String nodeId;

    private BatonNode(Config config) {
        this.config = config;
    }

    public static BatonNode start(Config config) {
        BatonNode node = new BatonNode(config);
        try {
            node.run();
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void run() {
        Clock clock = Clock.systemUTC();
        nodeId = config.find(NodeSettings.NODE_ID).orElseGet(NodeIdentity::hostName);
        startHttp();
        com.hazelcast.config.Config hazelcastConfig = HazelcastSetup.build(config, nodeId);
        hazelcast = Hazelcast.newHazelcastInstance(hazelcastConfig);
        config.find(NodeSettings.MEMBERS).ifPresent(members -> MemberListCheck.start(members, hazelcast,
                config.get(NodeSettings.MIN_CLUSTER_SIZE), Duration.ofSeconds(30)));
        UserStore users = UserStore.withDemoUsers(config.get(NodeSettings.DEMO_USERS), clock.instant(), 42);
        services = ServiceContainer.builder()
                .singleton(UserStore.class, users)
                .scoped(UserRepository.class, scope -> new UserRepository(scope.get(UserStore.class)))
                .build();
        HazelcastCoordination.Builder coordinationBuilder = HazelcastCoordination.builder(hazelcast)
                .nodeId(nodeId)
                .lease(config.get(NodeSettings.LEASE))
                .voterRemovalDelay(config.get(NodeSettings.VOTER_REMOVAL_DELAY));
        config.find(NodeSettings.STATE_DIR).ifPresent(coordinationBuilder::stateDirectory);
        coordination = coordinationBuilder.build();
        directory = new ClusterDirectory(hazelcast);
        history = new ClusterHistory(hazelcast, config.get(NodeSettings.HISTORY_SIZE), Duration.ofMillis(500));
        metrics = new NodeMetrics(coordination, config.get(NodeSettings.METRICS_PER_WORKER));
        health = new BatonHealth(coordination);
        journal = config.find(NodeSettings.JOURNAL).map(this::journalFile).map(ExecutionJournal::new);
        Baton.Builder builder = Baton.manager(coordination)
                .services(services)
                .shutdownGrace(config.get(NodeSettings.SHUTDOWN_GRACE))
                .claimAhead(config.get(NodeSettings.CLAIM_AHEAD))
                .listener(metrics.baton())
                .listener(history);
        journal.ifPresent(builder::listener);
        manager = builder.build();
        addPeriodic(new PassiveUserCheckerWorker(config.get(NodeSettings.PASSIVE_USERS_PERIOD),
                config.get(NodeSettings.PASSIVE_AFTER)));
        manager.add(new LoginSimulator(users, clock));
        for (int i = 0; i < config.get(NodeSettings.DRILL_WORKERS); i++) {
            addPeriodic(new DrillWorker(i, config.get(NodeSettings.DRILL_PERIOD), config.get(NodeSettings.DRILL_WORK)));
        }
        for (WorkerProvider provider : ServiceLoader.load(WorkerProvider.class, workerLoader())) {
            List<PeriodicBackgroundWorker> provided = provider.workers();
            provided.forEach(this::addPeriodic);
            log.info("Added {} worker(s) from {}: {}", provided.size(), provider.getClass().getName(),
                    provided.stream().map(PeriodicBackgroundWorker::name).toList());
        }
        http.routes(new Routes(new ClusterView(hazelcast, coordination, directory, history), metrics,
                this::notReadyBecause, config.find(NodeSettings.ADMIN_TOKEN), coordination,
                config.get(NodeSettings.HISTORY_SIZE)));
        publishNode();
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            switch (event.getState()) {
                // A member that merges back comes with a new UUID: the others would list it without a node id.
                case MERGED -> {
                    log.info("Hazelcast merged this member back into the cluster after a split (its records merged)");
                    Thread.ofVirtual().name("baton-publish-node").start(this::publishNode);
                }
                case SHUTTING_DOWN -> memberStopped();
                default -> { }
            }
        });
        manager.start();
        phase.set(Phase.RUNNING);
    }

    /** The node's class path, plus BATON_WORKER_PATH when set: where providers of the user's workers are found. */
    private ClassLoader workerLoader() {
        ClassLoader own = BatonNode.class.getClassLoader();
        return config.find(NodeSettings.WORKER_PATH).<ClassLoader>map(paths -> {
            java.net.URL[] urls = paths.stream().map(p -> {
                try {
                    return p.toUri().toURL();
                } catch (java.net.MalformedURLException e) {
                    throw new IllegalArgumentException("BATON_WORKER_PATH: " + p + " is not a usable path", e);
                }
            }).toArray(java.net.URL[]::new);
            return new java.net.URLClassLoader("baton-workers", urls, own);
        }).orElse(own);
    }

    /** A directory (existing, or named with a trailing slash) gets one file per node: replicas can share it. */
    private java.nio.file.Path journalFile(java.nio.file.Path path) {
        boolean directory = java.nio.file.Files.isDirectory(path) || path.toString().endsWith("/");
        return directory ? path.resolve(nodeId + ".jsonl") : path;
    }

    private void startHttp() {
        try {
            http = new HttpApi(new InetSocketAddress(config.get(NodeSettings.HTTP_BIND),
                    config.get(NodeSettings.HTTP_PORT)), this::notReadyBecause);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.get(NodeSettings.HTTP_BIND) + ":"
                    + config.get(NodeSettings.HTTP_PORT) + " (" + e.getMessage() + "); set BATON_HTTP_PORT to a free"
                    + " port", e);
        }
        http.start();
    }

    private void addPeriodic(PeriodicBackgroundWorker worker) {
        manager.add(worker);
        try {
            directory.publish(WorkerSpec.of(worker));
        } catch (RuntimeException e) {
            log.debug("Publishing the spec of {} failed; it is published again on restart", worker.name(), e);
        }
    }

    private void publishNode() {
        try {
            String uuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
            var address = hazelcast.getCluster().getLocalMember().getAddress();
            directory.publish(uuid, new ClusterDirectory.NodeInfo(nodeId, address.getHost() + ":" + address.getPort(),
                    http.port(), Instant.now()));
            String before = publishedUuid.getAndSet(uuid);
            if (before != null && !before.equals(uuid)) {
                directory.withdraw(before);
            }
        } catch (RuntimeException e) {
            log.debug("Publishing this node failed (no quorum yet?)", e);
        }
    }

    /**
     * Hazelcast stops its member by itself when it cannot go on (an OutOfMemoryError in one of its
     * threads, a merge after a split that fails): this node can then never coordinate again, and
     * liveness does not follow the cluster, so nothing would restart it. It stops instead, and the
     * process exits with status 1 for its supervisor (Kubernetes, Compose) to start it afresh.
     */
    private void memberStopped() {
        if (phase.get() != Phase.RUNNING || !memberLost.compareAndSet(false, true)) {
            return;
        }
        log.error("This node's Hazelcast member stopped while the node was running (Hazelcast's log says why); the"
                + " node cannot coordinate without it and shuts down, to be restarted by its supervisor");
        // Not on Hazelcast's thread: closing waits for running executions.
        Thread.ofPlatform().name("baton-member-stopped").start(this::close);
    }

    /** Whether the node stopped by itself because its Hazelcast member stopped: the process then exits with status 1. */
    public boolean stoppedByItself() {
        return memberLost.get();
    }

    /** Why this node should not receive traffic, if it should not. */
    private Optional<String> notReadyBecause() {
        if (phase.get() == Phase.STARTING) {
            return Optional.of("starting: joining the cluster");
        }
        if (phase.get() == Phase.STOPPING) {
            return Optional.of("shutting down");
        }
        if (hazelcast == null || !hazelcast.getLifecycleService().isRunning()) {
            return Optional.of("not a cluster member: Hazelcast is not running");
        }
        return health.check().problem()
                .map(p -> p + " (BATON_MIN_CLUSTER_SIZE=" + config.get(NodeSettings.MIN_CLUSTER_SIZE) + ")");
    }

    public BackgroundWorkerManager manager() {
        return manager;
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    public Coordination coordination() {
        return coordination;
    }

    public int httpPort() {
        return http.port();
    }

    public String nodeId() {
        return nodeId;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops claiming, finishes or interrupts executions, releases leases, then leaves the cluster;
     * the HTTP surface answers (not ready) until the end.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        phase.set(Phase.STOPPING);
        try {
            quietly("manager", manager);
            quietly("services", services);
            quietly("history", history);
            journal.ifPresent(j -> quietly("journal", j));
            if (hazelcast != null) {
                try {
                    directory.withdraw(hazelcast.getCluster().getLocalMember().getUuid().toString());
                } catch (RuntimeException e) {
                    log.debug("Withdrawing this node from the directory failed", e);
                }
                hazelcast.shutdown();
            }
        } catch (RuntimeException e) {
            log.error("Shutdown failed part-way; leaving anyway", e);
            if (hazelcast != null) {
                hazelcast.getLifecycleService().terminate();
            }
        } finally {
            quietly("HTTP server", http);
            quietly("metrics", metrics);
            // Before the count-down: a node that stopped by itself exits as soon as main wakes.
            log.info("Node stopped");
            stopped.countDown();
        }
    }

    private static void quietly(String what, AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Closing the {} failed", what, e);
        }
    }
}
