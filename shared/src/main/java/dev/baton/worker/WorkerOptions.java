package dev.baton.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a periodic worker runs. Immutable; start from {@link #defaults()} and change what you need:
 * {@code WorkerOptions.defaults().withTimeout(Duration.ofMinutes(5)).withMisfire(MisfirePolicy.SKIP)}.
 *
 * @param timeout      an execution running longer is interrupted; {@link Duration#ZERO} for none
 * @param misfire      what to do with slots nobody ran on time
 * @param onCrash      what to do with a slot whose executor died mid-run
 * @param initialDelay the first slot is at least this long after the worker is added
 */
public record WorkerOptions(Duration timeout, MisfirePolicy misfire, CrashPolicy onCrash, Duration initialDelay) {

    private static final WorkerOptions DEFAULTS =
            new WorkerOptions(Duration.ZERO, MisfirePolicy.COALESCE, CrashPolicy.RERUN, Duration.ZERO);

    public WorkerOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(onCrash, "onCrash");
        Objects.requireNonNull(initialDelay, "initialDelay");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, but was " + timeout
                    + "; use Duration.ZERO for no timeout");
        }
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative, but was " + initialDelay);
        }
    }

    /** No timeout, coalesce misfires, re-run crashed slots, no initial delay. */
    public static WorkerOptions defaults() {
        return DEFAULTS;
    }

    public WorkerOptions withTimeout(Duration timeout) {
        return new WorkerOptions(timeout, misfire, onCrash, initialDelay);
    }

    public WorkerOptions withMisfire(MisfirePolicy misfire) {
        return new WorkerOptions(timeout, misfire, onCrash, initialDelay);
    }

    public WorkerOptions withOnCrash(CrashPolicy onCrash) {
        return new WorkerOptions(timeout, misfire, onCrash, initialDelay);
    }

    public WorkerOptions withInitialDelay(Duration initialDelay) {
        return new WorkerOptions(timeout, misfire, onCrash, initialDelay);
    }

    /** The timeout, if there is one. */
    public Optional<Duration> timeoutIfAny() {
        return timeout.isZero() ? Optional.empty() : Optional.of(timeout);
    }
}
