package dev.baton.coordinator.internal.hz;

/**
 * How long a leaving voter waits for the others to take its seat back. The voters change one seat
 * at a time, each change a lease and margin after the one before, so when several voters leave at
 * once (a scale-in by more than half) the last of them needs more than one leaver's bound: each
 * change it sees gives it the bound again from then, up to a limit in all. A leaver that
 * gives up while seated leaves a dead seat, which a majority of the rest removes after the
 * removal delay, and which stalls the fleet for good if the rest are no majority.
 */
final class LeaveWait {

    private final long lastNanos;
    private final long boundNanos;
    private long deadlineNanos;
    private long version;

    LeaveWait(long nowNanos, long boundNanos, long limitNanos, long version) {
        this.boundNanos = boundNanos;
        this.deadlineNanos = nowNanos + boundNanos;
        this.lastNanos = nowNanos + limitNanos;
        this.version = version;
    }

    /** Whether to stop waiting, given the voters' version now. */
    boolean over(long nowNanos, long currentVersion) {
        if (currentVersion != version) {
            version = currentVersion;
            deadlineNanos = Math.min(lastNanos, Math.max(deadlineNanos, nowNanos + boundNanos));
        }
        return nowNanos - deadlineNanos > 0;
    }
}
