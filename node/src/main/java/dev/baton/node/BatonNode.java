package dev.baton.node;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.Baton;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.node.cluster.HazelcastSetup;
import dev.baton.node.cluster.MemberListCheck;
import dev.baton.node.config.Config;
import dev.baton.node.config.NodeSettings;
import dev.baton.node.drill.DrillWorker;
import dev.baton.node.journal.ExecutionJournal;
import dev.baton.node.users.LoginSimulator;
import dev.baton.node.users.PassiveUserCheckerWorker;
import dev.baton.node.users.UserRepository;
import dev.baton.node.users.UserStore;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.spi.Coordination;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running node: a Hazelcast member, the coordination, the manager, the demo and drill workers. */
public final class BatonNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatonNode.class);

    private final HazelcastInstance hazelcast;
    private final ServiceContainer services;
    private final BackgroundWorkerManager manager;
    private final Optional<ExecutionJournal> journal;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private BatonNode(HazelcastInstance hazelcast, ServiceContainer services, BackgroundWorkerManager manager,
                      Optional<ExecutionJournal> journal) {
        this.hazelcast = hazelcast;
        this.services = services;
        this.manager = manager;
        this.journal = journal;
    }

    public static BatonNode start(Config config) {
        Clock clock = Clock.systemUTC();
        String nodeId = config.find(NodeSettings.NODE_ID).orElseGet(NodeIdentity::hostName);
        com.hazelcast.config.Config hazelcastConfig = HazelcastSetup.build(config, nodeId);
        hazelcastConfig.setProperty("hazelcast.graceful.shutdown.max.wait", "20");
        HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(hazelcastConfig);
        config.find(NodeSettings.MEMBERS).ifPresent(members -> MemberListCheck.start(members, hazelcast,
                config.get(NodeSettings.MIN_CLUSTER_SIZE), Duration.ofSeconds(30)));
        UserStore users = UserStore.withDemoUsers(config.get(NodeSettings.DEMO_USERS), clock.instant(), 42);
        ServiceContainer services = ServiceContainer.builder()
                .singleton(UserStore.class, users)
                .scoped(UserRepository.class, scope -> new UserRepository(scope.get(UserStore.class)))
                .build();
        Coordination coordination = HazelcastCoordination.builder(hazelcast)
                .nodeId(nodeId)
                .lease(config.get(NodeSettings.LEASE))
                .minClusterSize(config.get(NodeSettings.MIN_CLUSTER_SIZE))
                .build();
        Optional<ExecutionJournal> journal = config.find(NodeSettings.JOURNAL).map(ExecutionJournal::new);
        Baton.Builder builder = Baton.manager(coordination)
                .services(services)
                .shutdownGrace(config.get(NodeSettings.SHUTDOWN_GRACE));
        journal.ifPresent(builder::listener);
        BackgroundWorkerManager manager = builder.build();
        manager.add(new PassiveUserCheckerWorker(config.get(NodeSettings.PASSIVE_USERS_PERIOD),
                config.get(NodeSettings.PASSIVE_AFTER)));
        manager.add(new LoginSimulator(users, clock));
        for (int i = 0; i < config.get(NodeSettings.DRILL_WORKERS); i++) {
            manager.add(new DrillWorker(i, config.get(NodeSettings.DRILL_PERIOD), config.get(NodeSettings.DRILL_WORK)));
        }
        manager.start();
        return new BatonNode(hazelcast, services, manager, journal);
    }

    public BackgroundWorkerManager manager() {
        return manager;
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        stopped.await();
    }

    /** Stops claiming, finishes or interrupts executions, releases leases, then leaves the cluster. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            manager.close();
            services.close();
            journal.ifPresent(j -> {
                try {
                    j.close();
                } catch (java.io.IOException e) {
                    log.warn("Closing the journal failed", e);
                }
            });
            hazelcast.shutdown();
        } catch (RuntimeException e) {
            log.error("Shutdown failed part-way; leaving anyway", e);
            hazelcast.getLifecycleService().terminate();
        } finally {
            stopped.countDown();
            log.info("Node stopped");
        }
    }
}
