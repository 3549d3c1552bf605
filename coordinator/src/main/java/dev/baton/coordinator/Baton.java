package dev.baton.coordinator;

import dev.baton.coordinator.internal.RealTaskScheduler;
import dev.baton.coordinator.internal.WorkerManager;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExceptionNotifier;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.ServiceScopeFactory;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link BackgroundWorkerManager}:
 *
 * <pre>{@code
 * BackgroundWorkerManager manager = Baton.manager(HazelcastCoordination.builder(hazelcast).build())
 *         .services(container)
 *         .build();
 * manager.add(new PassiveUserCheckerWorker());
 * manager.start();
 * }</pre>
 *
 * For one process, or to try Baton out, {@link InMemoryCoordination#standalone()} needs no cluster.
 */
public final class Baton {

    /** How long close waits for running executions before interrupting them. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private Baton() {
    }

    public static Builder manager(Coordination coordination) {
        return new Builder(coordination);
    }

    /** Settings of a manager; each setter refuses bad values. */
    public static final class Builder {
        private final Coordination coordination;
        private ServiceScopeFactory services = ServiceContainer.builder().build();
        private TaskScheduler scheduler;
        private final List<ExecutionListener> listeners = new ArrayList<>();
        private final List<ExceptionNotifier> notifiers = new ArrayList<>();
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;

        private Builder(Coordination coordination) {
            this.coordination = Objects.requireNonNull(coordination, "coordination");
        }

        /** The application's container; each execution gets a scope of it. Default: an empty {@link ServiceContainer}. */
        public Builder services(ServiceScopeFactory services) {
            this.services = Objects.requireNonNull(services, "services");
            return this;
        }

        /** The engine's time; {@link dev.baton.coordinator.testing.ManualTime} in tests. Not closed by the manager. */
        public Builder scheduler(TaskScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Builder listener(ExecutionListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Builder exceptionNotifier(ExceptionNotifier notifier) {
            notifiers.add(Objects.requireNonNull(notifier, "notifier"));
            return this;
        }

        /** How long close waits for running executions before interrupting them; default 10 s. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdown grace must not be negative, but was " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        public BackgroundWorkerManager build() {
            TaskScheduler s = scheduler != null ? scheduler
                    : new RealTaskScheduler(coordination::now, "baton-scheduler-" + coordination.nodeId());
            return new WorkerManager(coordination, s, scheduler == null, services, listeners, notifiers, shutdownGrace);
        }
    }
}
