package dev.baton.coordinator.internal.hz;

import java.time.Duration;

/**
 * The lease protocol's timing.
 *
 * @param lease          how long a session stays valid after the renewal a quorum acknowledged
 * @param margin         how much longer others wait before they treat a silent session as dead:
 *                       covers the holder's interrupt latency and clock-rate differences
 * @param renewInterval  how often a session renews with every member
 * @param staleAfter     a session silent this long may be frozen: others step in for its idle workers
 * @param stepInGrace    how long after a slot a standby waits before stepping in
 * @param acquireTimeout how long a claim waits for a quorum to grant the worker's lock
 * @param closeTimeout   how long a graceful close waits for every member to hear it
 * @param releaseWait    how long a completion waits for every member to hear the release
 * @param minClusterSize the split-brain minimum: a quorum is never smaller
 */
public record HzSettings(Duration lease, Duration margin, Duration renewInterval, Duration staleAfter,
                         Duration stepInGrace, Duration acquireTimeout, Duration closeTimeout, Duration releaseWait,
                         int minClusterSize) {

    public static final String RECORDS_MAP = "baton-workers";
    public static final String EXECUTOR = "baton-sessions";
    public static final String SPLIT_BRAIN_PROTECTION = "baton-quorum";

    /** Timing derived from the lease, for a split-brain minimum of {@code minClusterSize}. */
    public static HzSettings forLease(Duration lease, int minClusterSize) {
        if (lease.compareTo(Duration.ofMillis(500)) < 0) {
            throw new IllegalArgumentException("lease must be at least 500ms, but was " + lease);
        }
        if (minClusterSize < 1) {
            throw new IllegalArgumentException("minimum cluster size must be at least 1, but was " + minClusterSize);
        }
        Duration renew = lease.dividedBy(10);
        return new HzSettings(lease, lease.dividedBy(10), renew, renew.multipliedBy(3), Duration.ofMillis(300),
                lease.dividedBy(2), Duration.ofSeconds(2), renew, minClusterSize);
    }
}
