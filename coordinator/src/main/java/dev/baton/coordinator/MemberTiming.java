package dev.baton.coordinator;

import java.time.Duration;
import java.util.Objects;

/**
 * The Hazelcast member timing Baton is tuned for, applied by
 * {@link HazelcastCoordination#configure(com.hazelcast.config.Config, int, MemberTiming)}. With
 * Hazelcast's own defaults a frozen or cut-off member is noticed after 60 s and split sides merge
 * after 5 minutes; with these, after 5 s and 10 s. Hazelcast counts most of them in whole seconds:
 * shorter values are rounded up to one second.
 *
 * @param heartbeat            how often members tell each other they are alive (1 s)
 * @param heartbeatTimeout     a member silent this long is removed from the cluster (5 s)
 * @param mergeDelay           after a split, how soon and how often the sides look for each other (10 s)
 * @param callTimeout          an operation on a member that does not answer fails after this; one the
 *                             member lost (it happens while partitions migrate) fails after twice this (5 s)
 * @param backupTimeout        a write waits this long for its backups, then goes on without a frozen one (1.5 s)
 * @param gracefulShutdownWait the longest a leaving member spends handing its partitions over (15 s)
 */
public record MemberTiming(Duration heartbeat, Duration heartbeatTimeout, Duration mergeDelay, Duration callTimeout,
                           Duration backupTimeout, Duration gracefulShutdownWait) {

    private static final MemberTiming DEFAULTS = new MemberTiming(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(1500), Duration.ofSeconds(15));

    /**
     * Checks that every duration is positive and that the heartbeat timeout leaves room for heartbeats.
     *
     * @throws IllegalArgumentException naming the value that is wrong
     */
    public MemberTiming {
        positive("heartbeat", heartbeat);
        positive("heartbeatTimeout", heartbeatTimeout);
        positive("mergeDelay", mergeDelay);
        positive("callTimeout", callTimeout);
        positive("backupTimeout", backupTimeout);
        positive("gracefulShutdownWait", gracefulShutdownWait);
        if (heartbeatTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("heartbeatTimeout (" + heartbeatTimeout + ") must be at least twice the"
                    + " heartbeat (" + heartbeat + "), or members are removed for one late heartbeat");
        }
    }

    /**
     * Baton's tuning: heartbeat 1 s, heartbeat timeout 5 s, merge delay 10 s, call timeout 5 s,
     * backup timeout 1.5 s, graceful shutdown wait 15 s.
     *
     * @return the defaults
     */
    public static MemberTiming defaults() {
        return DEFAULTS;
    }

    /**
     * Changes the heartbeat interval.
     *
     * @param heartbeat how often members tell each other they are alive
     * @return the changed timing
     */
    public MemberTiming withHeartbeat(Duration heartbeat) {
        return new MemberTiming(heartbeat, heartbeatTimeout, mergeDelay, callTimeout, backupTimeout,
                gracefulShutdownWait);
    }

    /**
     * Changes the heartbeat timeout.
     *
     * @param heartbeatTimeout a member silent this long is removed
     * @return the changed timing
     */
    public MemberTiming withHeartbeatTimeout(Duration heartbeatTimeout) {
        return new MemberTiming(heartbeat, heartbeatTimeout, mergeDelay, callTimeout, backupTimeout,
                gracefulShutdownWait);
    }

    /**
     * Changes the merge delay.
     *
     * @param mergeDelay after a split, how soon and how often the sides look for each other
     * @return the changed timing
     */
    public MemberTiming withMergeDelay(Duration mergeDelay) {
        return new MemberTiming(heartbeat, heartbeatTimeout, mergeDelay, callTimeout, backupTimeout,
                gracefulShutdownWait);
    }

    /**
     * Changes the graceful shutdown wait.
     *
     * @param gracefulShutdownWait the longest a leaving member spends handing its partitions over
     * @return the changed timing
     */
    public MemberTiming withGracefulShutdownWait(Duration gracefulShutdownWait) {
        return new MemberTiming(heartbeat, heartbeatTimeout, mergeDelay, callTimeout, backupTimeout,
                gracefulShutdownWait);
    }

    static String seconds(Duration d) {
        // Hazelcast reads these in whole seconds; round up so that a sub-second value never becomes 0.
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + value);
        }
    }
}
