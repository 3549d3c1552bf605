package dev.baton.node;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.InMemoryCoordination;
import dev.baton.node.config.Config;
import dev.baton.node.config.NodeSettings;
import dev.baton.node.users.LoginSimulator;
import dev.baton.node.users.PassiveUserCheckerWorker;
import dev.baton.node.users.UserRepository;
import dev.baton.node.users.UserStore;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.spi.Coordination;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running node: the container, the coordination, the manager and the demo workers. */
public final class BatonNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatonNode.class);

    private final ServiceContainer services;
    private final BackgroundWorkerManager manager;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private BatonNode(ServiceContainer services, BackgroundWorkerManager manager) {
        this.services = services;
        this.manager = manager;
    }

    public static BatonNode start(Config config) {
        Clock clock = Clock.systemUTC();
        String nodeId = config.find(NodeSettings.NODE_ID).orElseGet(NodeIdentity::hostName);
        UserStore users = UserStore.withDemoUsers(config.get(NodeSettings.DEMO_USERS), clock.instant(), 42);
        ServiceContainer services = ServiceContainer.builder()
                .singleton(UserStore.class, users)
                .scoped(UserRepository.class, scope -> new UserRepository(scope.get(UserStore.class)))
                .build();
        Coordination coordination = InMemoryCoordination.cluster(clock).node(nodeId);
        BackgroundWorkerManager manager = Baton.manager(coordination)
                .services(services)
                .shutdownGrace(config.get(NodeSettings.SHUTDOWN_GRACE))
                .build();
        manager.add(new PassiveUserCheckerWorker(config.get(NodeSettings.PASSIVE_USERS_PERIOD),
                config.get(NodeSettings.PASSIVE_AFTER)));
        manager.add(new LoginSimulator(users, clock));
        manager.start();
        return new BatonNode(services, manager);
    }

    public BackgroundWorkerManager manager() {
        return manager;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            manager.close();
            services.close();
        } finally {
            stopped.countDown();
            log.info("Node stopped");
        }
    }
}
