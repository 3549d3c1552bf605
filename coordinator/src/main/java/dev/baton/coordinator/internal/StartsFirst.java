package dev.baton.coordinator.internal;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets the runs an instant woke start before runs of that instant that already ended record
 * their outcome. Every worker due at one instant wakes at once, and a run of a short body went
 * straight on to its completion (a record call and a lock round) on the carrier thread that
 * the runs still waiting to start needed: at 1,000 executions a second on two cores, starts
 * reached their p99 some 50 ms after the instant with an empty body, 21 ms with a 50 ms one.
 * A completion now waits, briefly and boundedly, while woken runs have not got going yet; the
 * lease it completes is valid for seconds, so the wait costs nothing but the wait. Counted are
 * the runs claimed ahead of their instant (the default) as they wake at it.
 */
final class StartsFirst {

    /**
     * The longest a completion waits. A node's burst at 1,000 executions a second gets going in
     * 10-20 ms; under far more load, completions go on after this rather than pile up.
     */
    static final Duration MOST = Duration.ofMillis(100);

    private final AtomicInteger waking = new AtomicInteger();
    private final Queue<Thread> waiting = new ConcurrentLinkedQueue<>();
    private final long mostNanos;

    StartsFirst() {
        this(MOST);
    }

    StartsFirst(Duration most) {
        this.mostNanos = most.toNanos();
    }

    /** A run's wait for its instant ended: it counts as not yet going until {@link #going()}. */
    void woken() {
        waking.incrementAndGet();
    }

    /** A woken run is back on a thread. */
    void going() {
        if (waking.decrementAndGet() <= 0) {
            // Each waiter leaves the queue itself: one woken here may find new runs woken and park again.
            for (Thread t : waiting) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Runs woken and not yet going. */
    int waking() {
        return waking.get();
    }

    /**
     * Returns once no woken run waits to get going, after {@link #MOST} at the latest, or at once if
     * the thread is interrupted (the interrupt stays set).
     */
    void awaitStarts() {
        if (waking.get() <= 0) {
            return;
        }
        Thread self = Thread.currentThread();
        long deadline = System.nanoTime() + mostNanos;
        waiting.add(self);
        try {
            // Checked again after joining the queue: a going() in between found nobody to wake.
            for (long left = mostNanos; waking.get() > 0 && left > 0 && !self.isInterrupted();
                    left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiting.remove(self);
        }
    }
}
