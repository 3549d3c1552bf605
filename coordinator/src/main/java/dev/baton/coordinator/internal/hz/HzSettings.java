package dev.baton.coordinator.internal.hz;

import java.time.Duration;

/**
 * The lease protocol's timing.
 *
 * @param lease             how long a lock stays valid after the renewal a quorum acknowledged
 * @param margin            how much longer others wait before they treat a silent session as dead:
 *                          covers the holder's interrupt latency and clock-rate differences
 * @param renewInterval     how often a session renews with every member
 * @param staleAfter        a session silent this long may be frozen: others step in for its idle workers
 * @param stepInGrace       how long after a slot a standby waits before stepping in
 * @param acquireTimeout    how long a claim waits for a quorum to grant the worker's lock
 * @param closeTimeout      how long a graceful close waits for every member to hear it
 * @param releaseWait       how long a completion waits for every member to hear the release (one on a
 *                          node that does not prefer the worker, or that leaves, or that left its slot
 *                          unfinished)
 * @param minClusterSize    an optional floor: a quorum is a majority of the voters, never fewer than this
 * @param voterRemovalDelay how long a voter may be gone (crashed, cut off) before the others remove it
 * @param fenceReserve      how far the token ceiling kept on disk runs ahead of the tokens issued; the
 *                          disk is written about every half of it
 */
public record HzSettings(Duration lease, Duration margin, Duration renewInterval, Duration staleAfter,
                         Duration stepInGrace, Duration acquireTimeout, Duration closeTimeout, Duration releaseWait,
                         int minClusterSize, Duration voterRemovalDelay, Duration fenceReserve) {

    public static final String RECORDS_MAP = "baton-workers";
    public static final String EXECUTOR = "baton-sessions";
    /** Operator actions carried to the node that writes them (records in the registers): they wait, the sessions must not. */
    public static final String ACTIONS_EXECUTOR = "baton-actions";
    /** Reads from a quorum (records in the registers): quick, and never queued behind waiting actions. */
    public static final String READS_EXECUTOR = "baton-reads";
    public static final String SPLIT_BRAIN_PROTECTION = "baton-quorum";
    public static final Duration DEFAULT_VOTER_REMOVAL_DELAY = Duration.ofSeconds(30);
    public static final Duration DEFAULT_FENCE_RESERVE = Duration.ofMinutes(1);

    /** Timing derived from the lease. */
    public static HzSettings forLease(Duration lease, int minClusterSize, Duration voterRemovalDelay) {
        if (lease.compareTo(Duration.ofMillis(500)) < 0) {
            throw new IllegalArgumentException("lease must be at least 500ms, but was " + lease);
        }
        if (minClusterSize < 1) {
            throw new IllegalArgumentException("minimum cluster size must be at least 1, but was " + minClusterSize);
        }
        if (voterRemovalDelay.isNegative()) {
            throw new IllegalArgumentException("voter removal delay must not be negative, but was " + voterRemovalDelay);
        }
        Duration renew = lease.dividedBy(10);
        return new HzSettings(lease, lease.dividedBy(10), renew, renew.multipliedBy(3), Duration.ofMillis(300),
                lease.dividedBy(2), Duration.ofSeconds(2), renew, minClusterSize, voterRemovalDelay,
                DEFAULT_FENCE_RESERVE);
    }

    /** The same timing with another fence reserve. */
    public HzSettings withFenceReserve(Duration reserve) {
        if (reserve.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("fence reserve must be at least 1s, but was " + reserve);
        }
        return new HzSettings(lease, margin, renewInterval, staleAfter, stepInGrace, acquireTimeout, closeTimeout,
                releaseWait, minClusterSize, voterRemovalDelay, reserve);
    }

    /** A session silent this long is dead for every member; also the wait between two changes of the voters. */
    public Duration expiry() {
        return lease.plus(margin);
    }
}
