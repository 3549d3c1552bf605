package dev.baton.bench.dbscheduler;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * How db-scheduler's nodes are tuned, from DBS_* variables or these defaults: the lock-and-fetch
 * fractions the documentation gives for high throughput (1.0, 4.0), a poll every 100 ms (a 1 s
 * schedule needs one well under a second; the default is 10 s), a pool with room for the pollers
 * and the heartbeats beside the executing threads, and heartbeats so that an execution whose node
 * died is dead after 5 s, as long as Baton's lease (the defaults, 5 min x 6, would take 30 min).
 */
public record DbSchedulerSettings(int threads, Duration poll, double lower, double upper, int pool,
                                  Duration heartbeat, int missedHeartbeats) {

    public DbSchedulerSettings {
        if (threads < 1 || pool < 1 || missedHeartbeats < 1 || poll.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("DBS_THREADS, DBS_POOL and DBS_MISSED_HEARTBEATS must be at least 1,"
                    + " DBS_POLL_MS 0 or more and DBS_HEARTBEAT_MS more than 0");
        }
        if (lower >= upper || upper < 1) {
            throw new IllegalArgumentException("DBS_LOWER must be below DBS_UPPER, and DBS_UPPER at least 1.0"
                    + " (fractions of DBS_THREADS, as pollUsingLockAndFetch takes them)");
        }
    }

    public static DbSchedulerSettings from(Function<String, String> env) {
        Function<String, Optional<String>> get = name -> Optional.ofNullable(env.apply(name)).filter(v -> !v.isBlank());
        int threads = get.apply("DBS_THREADS").map(Integer::parseInt).orElse(16);
        return new DbSchedulerSettings(threads,
                Duration.ofMillis(get.apply("DBS_POLL_MS").map(Long::parseLong).orElse(100L)),
                get.apply("DBS_LOWER").map(Double::parseDouble).orElse(1.0),
                get.apply("DBS_UPPER").map(Double::parseDouble).orElse(4.0),
                get.apply("DBS_POOL").map(Integer::parseInt).orElse(threads + 4),
                Duration.ofMillis(get.apply("DBS_HEARTBEAT_MS").map(Long::parseLong).orElse(1000L)),
                get.apply("DBS_MISSED_HEARTBEATS").map(Integer::parseInt).orElse(5));
    }

    /** An execution whose node died is dead after this long. */
    public Duration deadAfter() {
        return heartbeat.multipliedBy(missedHeartbeats);
    }

    public String describe() {
        return String.format(Locale.ROOT, "lock-and-fetch (%.1f, %.1f), %d threads, poll every %d ms, pool of %d,"
                        + " heartbeat %d ms, dead after %d ms", lower, upper, threads, poll.toMillis(), pool,
                heartbeat.toMillis(), deadAfter().toMillis());
    }
}
