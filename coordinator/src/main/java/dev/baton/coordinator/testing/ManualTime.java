package dev.baton.coordinator.testing;

import dev.baton.coordinator.TaskScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Time that moves only when a test says so, for testing workers and schedules without sleeping.
 * Use it as the manager's {@link TaskScheduler} and as the clock of the in-memory coordination:
 *
 * <pre>{@code
 * ManualTime time = ManualTime.at(Instant.parse("2026-01-01T00:00:00Z"));
 * Coordination coordination = InMemoryCoordination.standalone(time.clock());
 * BackgroundWorkerManager manager = Baton.manager(coordination).scheduler(time).build();
 * manager.add(new MyWorker());
 * manager.start();
 * time.advance(Duration.ofMinutes(10));   // runs every slot due in those ten minutes, in order
 * }</pre>
 *
 * {@link #advance(Duration)} runs each due wake-up at its own instant and then waits (in real
 * time, bounded) until the engine's threads are idle or blocked, so that each instant's
 * consequences (claims, completions, the next slot) settle before time moves on. A worker's
 * {@code doWork} may block on a latch; it does not hold time back.
 */
public final class ManualTime implements TaskScheduler {

    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(10);

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final Object runLock = new Object();
    private final ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
    private volatile Instant now;
    private long sequence;
    private boolean closed;

    private ManualTime(Instant start) {
        this.now = start;
    }

    public static ManualTime at(Instant start) {
        return new ManualTime(start);
    }

    public Instant now() {
        return now;
    }

    /** This time, in nanoseconds: it moves only as {@link #advance} moves it. */
    @Override
    public long nanoTime() {
        Instant n = now;
        return TimeUnit.SECONDS.toNanos(n.getEpochSecond()) + n.getNano();
    }

    /** A clock that reads this time (UTC). */
    public Clock clock() {
        return new ManualClock(ZoneOffset.UTC);
    }

    /** Moves time forward by {@code duration}, running every wake-up that falls due, in order. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward; got " + duration);
        }
        Instant target = now.plus(duration);
        settle();
        while (runNext(target)) {
            settle();
        }
        now = target;
        settle();
    }

    /** Runs the earliest task due at or before {@code limit}, moving time to it; false if none. */
    private boolean runNext(Instant limit) {
        synchronized (runLock) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.at.isAfter(limit)) {
                    return false;
                }
                tasks.poll();
                if (next.at.isAfter(now)) {
                    now = next.at;
                }
            }
            if (!next.cancelled) {
                next.task.run();
            }
            return true;
        }
    }

    /** Runs what is due now and waits for the engine to settle. */
    public void tick() {
        advance(Duration.ZERO);
    }

    /** Waits (bounded, real time) until every thread this time dispatched has ended or is blocked. */
    public void settle() {
        long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
        int quietChecks = 0;
        while (quietChecks < 3) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the engine did not settle within " + SETTLE_LIMIT + "; busy threads: "
                        + busyThreads());
            }
            threads.keySet().removeIf(t -> t.getState() == Thread.State.TERMINATED);
            quietChecks = busyThreads().isEmpty() ? quietChecks + 1 : 0;
            LockSupport.parkNanos(200_000);
        }
    }

    @Override
    public Cancellable schedule(Instant at, Runnable task) {
        Task t;
        boolean due;
        synchronized (this) {
            due = !at.isAfter(now);
            t = new Task(due ? now : at, sequence++, task);
            if (closed) {
                return () -> t.cancelled = true;
            }
            tasks.add(t);
        }
        if (due) {
            // A wake-up in the past runs at once, as on the real scheduler, without moving time.
            dispatch("manual-time-due", () -> {
                while (runNext(now)) {
                    // drain everything due now
                }
            });
        }
        return () -> t.cancelled = true;
    }

    @Override
    public void dispatch(String name, Runnable task) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(task);
        threads.put(thread, Boolean.TRUE);
        thread.start();
    }

    /** Instants of the wake-ups still pending, for assertions. */
    public synchronized List<Instant> pending() {
        List<Instant> result = new ArrayList<>();
        tasks.stream().filter(t -> !t.cancelled).sorted().forEach(t -> result.add(t.at));
        return result;
    }

    @Override
    public synchronized void close() {
        closed = true;
        tasks.clear();
    }

    private List<Thread> busyThreads() {
        List<Thread> busy = new ArrayList<>();
        for (Thread t : threads.keySet()) {
            Thread.State state = t.getState();
            if (state == Thread.State.NEW || state == Thread.State.RUNNABLE) {
                busy.add(t);
            }
        }
        return busy;
    }

    private static final class Task implements Comparable<Task> {
        final Instant at;
        final long seq;
        final Runnable task;
        volatile boolean cancelled;

        Task(Instant at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Task o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final class ManualClock extends Clock {
        private final ZoneId zone;

        ManualClock(ZoneId zone) {
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new ManualClock(zone);
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
