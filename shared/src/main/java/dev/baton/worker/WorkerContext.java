package dev.baton.worker;

import java.time.Instant;

/** What one execution of a periodic worker knows about itself. Valid only during that execution. */
public interface WorkerContext {

    String workerName();

    /** Unique per execution; also in the logs' MDC as {@code executionId}. */
    String executionId();

    /** The slot this execution runs for, on the cluster clock; for a triggered run, when it was claimed. */
    Instant scheduledAt();

    /**
     * Why this execution runs: its regular slot, an extra run someone triggered, a re-run of a slot
     * whose first execution did not finish (it may have done part of the work: check the fencing
     * token where you write), or a slot a failed node missed, run late by its successor.
     */
    RunKind runKind();

    /**
     * Larger than every token an earlier execution of this worker received, also across
     * fail-over, split-brain and merge. Pass it to systems you write to, so that they can refuse
     * writes from an executor that lost its lease.
     */
    long fencingToken();

    /** The node running this execution. */
    String nodeId();

    /** The services of this execution's scope; closed when the execution ends. */
    ServiceScope services();

    /** Whether this execution still holds its lease. Once false, it stays false. */
    boolean isLeaseValid();

    /**
     * Throws {@link LeaseLostException} if the lease is lost. Call it before an irreversible
     * step: after a lost lease another node may already run this worker.
     */
    default void ensureLeaseValid() {
        if (!isLeaseValid()) {
            throw new LeaseLostException(workerName(), fencingToken());
        }
    }
}
