package dev.baton.coordinator.internal;

import dev.baton.coordinator.TaskScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One named platform thread for wake-ups, virtual threads for the work. */
public final class RealTaskScheduler implements TaskScheduler {

    private static final Logger log = LoggerFactory.getLogger(RealTaskScheduler.class);
    /** Cluster time and the local monotonic clock may drift apart over a long wait: re-check when woken early. */
    private static final long EARLY_TOLERANCE_MILLIS = 1;
    /**
     * Woken this much early, the cluster clock itself moved back (the set of members changed and
     * their median with it): the wait was measured in real time, so the task runs now and copes.
     */
    private static final long CLOCK_JUMP_MILLIS = 2_000;

    private final Supplier<Instant> clock;
    private final ScheduledThreadPoolExecutor timer;

    public RealTaskScheduler(Supplier<Instant> clock, String threadName) {
        this.clock = clock;
        ThreadFactory factory = Thread.ofPlatform().name(threadName).daemon(true).factory();
        this.timer = new ScheduledThreadPoolExecutor(1, factory);
        this.timer.setRemoveOnCancelPolicy(true);
        this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Cancellable schedule(Instant at, Runnable task) {
        Handle handle = new Handle(at, guarded(task));
        handle.arm();
        return handle;
    }

    @Override
    public void dispatch(String name, Runnable task) {
        Thread.ofVirtual().name(name).start(guarded(task));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Baton's scheduler thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                // A scheduled task that throws would otherwise vanish silently; Baton's loop must go on.
                log.error("Baton's scheduler caught an unexpected error; scheduling continues", t);
            }
        };
    }

    private final class Handle implements Cancellable {
        private final Instant at;
        private final Runnable task;
        private volatile ScheduledFuture<?> future;
        private volatile boolean cancelled;

        Handle(Instant at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        void arm() {
            if (cancelled || timer.isShutdown()) {
                return;
            }
            long delay = Math.max(0, Duration.between(clock.get(), at).toMillis());
            try {
                future = timer.schedule(this::fire, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("Scheduler closed; task at {} dropped", at);
            }
        }

        private void fire() {
            if (cancelled) {
                return;
            }
            long early = Duration.between(clock.get(), at).toMillis();
            if (early > EARLY_TOLERANCE_MILLIS && early < CLOCK_JUMP_MILLIS) {
                arm();
                return;
            }
            task.run();
        }

        @Override
        public void cancel() {
            cancelled = true;
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
        }
    }
}
