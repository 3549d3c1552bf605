package dev.baton.coordinator.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How late this node's own claims of regular slots have been lately: the most in the last two to
 * four seconds. A standby that looks at a slot after the grace waits this much longer too, because
 * a preferred node that is only as late as this one is claims the slot by then. Without it, a
 * loaded fleet's standbys found every late slot "unclaimed" and claimed it themselves, each look a
 * lock round the preferred node's claim then waited behind: more load, later claims, more looks.
 */
final class Lateness {

    /** Beyond this, a fail-over is not put off further, however loaded this node is. */
    static final Duration CAP = Duration.ofSeconds(2);
    private static final long BUCKET_MILLIS = 2_000;

    private final AtomicLong current = new AtomicLong();
    private final AtomicLong previous = new AtomicLong();
    private volatile long bucketStart = Long.MIN_VALUE;

    /** A claim of a regular slot, due at {@code since} (or later, once its worker was free), returned at {@code now}. */
    void record(Instant since, Instant now) {
        long late = now.toEpochMilli() - since.toEpochMilli();
        rotate(now.toEpochMilli());
        if (late > 0) {
            current.accumulateAndGet(late, Math::max);
        }
    }

    /** The most this node's claims were late lately, at most {@link #CAP}. */
    Duration recent(Instant now) {
        rotate(now.toEpochMilli());
        long most = Math.max(current.get(), previous.get());
        return Duration.ofMillis(Math.min(most, CAP.toMillis()));
    }

    private void rotate(long now) {
        long start = bucketStart;
        if (start != Long.MIN_VALUE && now >= start && now - start < BUCKET_MILLIS) {
            return;
        }
        synchronized (this) {
            start = bucketStart;
            if (start == Long.MIN_VALUE) {
                bucketStart = now;
            } else if (now < start || now - start >= 2 * BUCKET_MILLIS) {
                // Also when the cluster clock moved back (its median moves as members come and go).
                previous.set(0);
                current.set(0);
                bucketStart = now;
            } else if (now - start >= BUCKET_MILLIS) {
                previous.set(current.getAndSet(0));
                bucketStart = start + BUCKET_MILLIS;
            }
        }
    }
}
