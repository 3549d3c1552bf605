package dev.baton.node.config;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** A duration or a range of durations ({@code 0-200ms}), for simulated work. */
public record WorkRange(Duration min, Duration max) {

    public WorkRange {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("a range from a smaller to a larger duration, such as 0-200ms");
        }
    }

    public static WorkRange parse(String value) {
        String v = value.trim();
        int dash = v.indexOf('-');
        if (dash <= 0) {
            Duration d = Parsers.nonNegativeDuration(v);
            return new WorkRange(d, d);
        }
        String low = v.substring(0, dash).trim();
        String high = v.substring(dash + 1).trim();
        String unit = high.replaceAll("^[0-9]+", "");
        if (low.matches("[0-9]+")) {
            low = low + unit;
        }
        try {
            return new WorkRange(Parsers.nonNegativeDuration(low), Parsers.nonNegativeDuration(high));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a duration or a range such as 0-200ms");
        }
    }

    /** A uniformly random duration in the range. */
    public Duration pick() {
        long spread = max.toMillis() - min.toMillis();
        return spread == 0 ? min : min.plusMillis(ThreadLocalRandom.current().nextLong(spread + 1));
    }
}
