package dev.baton.coordinator;

import java.time.Instant;

/**
 * The engine's time: when to wake up, on the cluster clock, and where the engine's own work runs.
 * The default runs on one named platform thread and virtual threads; {@link
 * dev.baton.coordinator.testing.ManualTime} moves time by hand so that tests never sleep.
 */
public interface TaskScheduler extends AutoCloseable {

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        void cancel();
    }

    /**
     * Runs {@code task} on the engine's scheduler at {@code at} (immediately if past). The task
     * must be short: hand anything long to {@link #dispatch}.
     */
    Cancellable schedule(Instant at, Runnable task);

    /**
     * A monotonic reading in nanoseconds, as {@link System#nanoTime()}: the engine measures how long
     * something lasted on it, since its estimate of the cluster clock may jump while it lags.
     */
    default long nanoTime() {
        return System.nanoTime();
    }

    /** Runs {@code task} now on a new thread named {@code name} (a virtual thread by default). */
    void dispatch(String name, Runnable task);

    /** Stops running scheduled tasks; bounded. */
    @Override
    void close();
}
