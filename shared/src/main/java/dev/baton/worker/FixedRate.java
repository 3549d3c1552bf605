package dev.baton.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Slots at {@code k * period} since the epoch. Create it with {@link Schedule#fixedRate(Duration)}. */
public record FixedRate(Duration period) implements Schedule {

    public FixedRate {
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero() || period.toMillis() < 1) {
            throw new IllegalArgumentException("fixedRate period must be at least 1 ms, but was " + period
                    + "; pass a positive Duration such as Duration.ofSeconds(10)");
        }
    }

    @Override
    public Optional<Instant> nextAfter(Instant reference) {
        long p = period.toMillis();
        long ms = reference.toEpochMilli();
        // floorDiv keeps slots aligned for instants before the epoch and for sub-millisecond references.
        long k = Math.floorDiv(ms, p) + 1;
        return Optional.of(Instant.ofEpochMilli(Math.multiplyExact(k, p)));
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant now) {
        long p = period.toMillis();
        return Optional.of(Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), p) * p));
    }

    @Override
    public String describe() {
        return "fixedRate(" + period + ")";
    }
}
