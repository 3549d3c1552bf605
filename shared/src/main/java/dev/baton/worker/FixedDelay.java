package dev.baton.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The next run is due {@code delay} after the previous one completed.
 * Create it with {@link Schedule#fixedDelay(Duration)}.
 */
public record FixedDelay(Duration delay) implements Schedule {

    public FixedDelay {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.isZero() || delay.toMillis() < 1) {
            throw new IllegalArgumentException("fixedDelay delay must be at least 1 ms, but was " + delay
                    + "; pass a positive Duration such as Duration.ofMinutes(10)");
        }
    }

    @Override
    public Optional<Instant> nextAfter(Instant completion) {
        // Whole milliseconds: slots are compared across nodes and stored at millisecond precision.
        return Optional.of(Instant.ofEpochMilli(completion.toEpochMilli()).plus(delay));
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant now) {
        return Optional.empty();
    }

    @Override
    public String describe() {
        return "fixedDelay(" + delay + ")";
    }
}
