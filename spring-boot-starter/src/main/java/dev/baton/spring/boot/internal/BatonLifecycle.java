package dev.baton.spring.boot.internal;

import dev.baton.worker.BackgroundWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.PeriodicBackgroundWorker;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the manager once every bean is made, and stops it, draining running executions, before
 * the context destroys its beans, the Hazelcast member among them. Its phase is the last to start
 * and the first to stop, so a web server (and whatever else has a lifecycle) is up before the
 * first execution and still up while the last one finishes.
 */
public final class BatonLifecycle implements SmartLifecycle {

    /** Starts last, stops first: just below Spring's default phase, the highest. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

    private final BackgroundWorkerManager manager;
    private final List<PeriodicBackgroundWorker> periodic;
    private final List<BackgroundWorker> continuous;
    private final ScheduledMethods methods;
    private final AtomicBoolean running = new AtomicBoolean();

    /**
     * The lifecycle of one manager.
     *
     * @param manager    the manager
     * @param periodic   the context's periodic worker beans
     * @param continuous the context's continuous worker beans
     * @param methods    the {@code @BatonScheduled} methods found
     */
    public BatonLifecycle(BackgroundWorkerManager manager, List<PeriodicBackgroundWorker> periodic,
                          List<BackgroundWorker> continuous, ScheduledMethods methods) {
        this.manager = manager;
        this.periodic = periodic;
        this.continuous = continuous;
        this.methods = methods;
    }

    @Override
    public void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        periodic.forEach(manager::add);
        continuous.forEach(manager::add);
        methods.workers().forEach(manager::add);
        manager.start();
    }

    /** Bounded by the manager's shutdown grace; synchronous, so the member stays up until it returns. */
    @Override
    public void stop() {
        if (running.compareAndSet(true, false)) {
            manager.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
