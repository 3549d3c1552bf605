package dev.baton.coordinator.support;

import dev.baton.coordinator.TaskScheduler;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.spi.Coordination;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Nodes whose estimates of the cluster clock differ, on manual time: each node's offset from it is
 * an {@link AtomicLong} the test moves, as the median of the members' clocks moves when members join
 * or leave and each node's samples of them catch up.
 */
public final class SkewedClocks {

    private SkewedClocks() {
    }

    /** A clock at manual time plus {@code offset}: the one claims are judged by, say. */
    public static Clock clock(ManualTime time, AtomicLong offset) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return time.now().plusMillis(offset.get());
            }
        };
    }

    /** The node's coordination, with its own estimate of the cluster clock. */
    public static Coordination shifted(ManualTime time, Coordination c, AtomicLong own) {
        return (Coordination) Proxy.newProxyInstance(Coordination.class.getClassLoader(),
                new Class<?>[] {Coordination.class}, (proxy, method, args) -> {
                    if (method.getName().equals("now") && method.getParameterCount() == 0) {
                        return time.now().plusMillis(own.get());
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * Wake-ups at cluster instants, waited for in (manual) real time from the moment they are armed,
     * as the real scheduler does: a clock that moves afterwards does not move the wake-up.
     */
    public static TaskScheduler delays(ManualTime time, AtomicLong own) {
        return new OnManualTime(time) {
            @Override
            public Cancellable schedule(Instant at, Runnable task) {
                Duration wait = Duration.between(time.now().plusMillis(own.get()), at);
                return time.schedule(time.now().plus(wait.isNegative() ? Duration.ZERO : wait), task);
            }
        };
    }

    /**
     * As {@link #delays}, with the real scheduler's check when a wake-up fires: woken early by more
     * than a millisecond and less than two seconds (its clock moved back a little), it is armed again;
     * two seconds or more early, it runs (the caller copes).
     */
    public static TaskScheduler realDelays(ManualTime time, AtomicLong own) {
        TaskScheduler delays = delays(time, own);
        return new OnManualTime(time) {
            @Override
            public Cancellable schedule(Instant at, Runnable task) {
                AtomicBoolean cancelled = new AtomicBoolean();
                AtomicReference<Cancellable> current = new AtomicReference<>();
                Runnable fire = new Runnable() {
                    @Override
                    public void run() {
                        if (cancelled.get()) {
                            return;
                        }
                        long early = Duration.between(time.now().plusMillis(own.get()), at).toMillis();
                        if (early > 1 && early < 2_000) {
                            current.set(delays.schedule(at, this));
                            return;
                        }
                        task.run();
                    }
                };
                current.set(delays.schedule(at, fire));
                return () -> {
                    cancelled.set(true);
                    current.get().cancel();
                };
            }
        };
    }

    /** A scheduler on manual time whose subclasses say only how a wake-up is armed. */
    private abstract static class OnManualTime implements TaskScheduler {
        private final ManualTime time;

        OnManualTime(ManualTime time) {
            this.time = time;
        }

        @Override
        public long nanoTime() {
            return time.nanoTime();
        }

        @Override
        public void dispatch(String name, Runnable task) {
            time.dispatch(name, task);
        }

        @Override
        public void close() {
        }
    }

    /**
     * Manual time, moved along with real time: lookAgain's tie-breaking pauses are real sleeps (10 to
     * 120 ms), which a plain advance would skip past.
     */
    public static void advanceInRealTime(ManualTime time, Duration d) {
        for (long left = d.toMillis(); left > 0; left -= 20) {
            time.advance(Duration.ofMillis(Math.min(20, left)));
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
