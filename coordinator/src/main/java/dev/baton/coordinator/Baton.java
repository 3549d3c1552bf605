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
    /** How long before its instant a node claims a slot it prefers, by default. */
    public static final Duration DEFAULT_CLAIM_AHEAD = Duration.ofMillis(100);
    /** The longest lead allowed: a slot claimed further ahead would read as written under a clock that was ahead. */
    public static final Duration MAX_CLAIM_AHEAD = Duration.ofSeconds(1);

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
        private Duration claimAhead = DEFAULT_CLAIM_AHEAD;

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

        /**
         * How long before a slot's instant the node that prefers the worker claims it; default 100 ms,
         * zero to claim at the instant. The claim's round trips then happen before the instant, and the
         * execution starts at it: at many slots on one instant, starts stay on time. The slot is this
         * node's from the claim on: a pause or a shutdown in between lets it run at its instant. Applies
         * to fixed-rate and cron slots at least twice the lead apart, never to fixed delay.
         */
        public Builder claimAhead(Duration lead) {
            Objects.requireNonNull(lead, "lead");
            if (lead.isNegative() || lead.compareTo(MAX_CLAIM_AHEAD) > 0) {
                throw new IllegalArgumentException("claim ahead must be between 0 and " + MAX_CLAIM_AHEAD.toMillis()
                        + " ms, but was " + lead.toMillis() + " ms; use 0 to claim each slot at its instant");
            }
            this.claimAhead = lead;
            return this;
        }

        public BackgroundWorkerManager build() {
            TaskScheduler s = scheduler != null ? scheduler
                    : new RealTaskScheduler(coordination::now, "baton-scheduler-" + coordination.nodeId());
            return new WorkerManager(coordination, s, scheduler == null, services, listeners, notifiers, shutdownGrace,
                    claimAhead);
        }
    }
}
