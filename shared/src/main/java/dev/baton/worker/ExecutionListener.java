package dev.baton.worker;

import java.time.Instant;

/**
 * Observes executions (metrics, journals, audit). Every method has a no-op default; each call is
 * guarded, so a failing listener is logged and never breaks the scheduler. Calls are made on the
 * execution's thread and should return quickly.
 *
 * <p>An execution is either {@link #started}, then {@link #ending} and {@link #finished}, or (its
 * work never began) only {@link #notStarted}.
 */
public interface ExecutionListener {

    /** The slot was claimed by this node and {@code doWork} is about to run. */
    default void started(ExecutionStart start) {
    }

    /**
     * The work ended and the scope is closed, but the outcome is not recorded in the cluster yet and
     * the lease is still held: what this writes cannot follow the start of the next run on another
     * node (an audit journal's end line). It must return quickly: the lease is not renewed meanwhile,
     * and nobody else may run the worker until it returns. If the process dies right after, the
     * cluster sees the slot unfinished and may run it again.
     */
    default void ending(ExecutionResult result) {
    }

    /**
     * The execution finished, whatever the outcome; its outcome was recorded (unless recording
     * failed, which is logged) and the lease released. Use this, not {@link #ending}, for anything
     * that may take time.
     */
    default void finished(ExecutionResult result) {
    }

    /**
     * The slot was claimed but its work never began: the lease was lost between the claim and the
     * start (as when the node was paused there; {@code LEASE_LOST}), or the node began to stop
     * ({@code INTERRUPTED}). No other call comes for this execution; the slot counts as unfinished.
     */
    default void notStarted(ExecutionResult result) {
    }

    /** This node tried to claim the slot and another node (or an earlier run) had it. */
    default void claimLost(String worker, Instant slot) {
    }

    /**
     * Slots passed without anyone running them (the fleet was down or busy, or the previous run
     * overran); {@code policy} says whether they were coalesced into one run or skipped.
     *
     * @param missed how many slots, from {@code first} to {@code last}
     */
    default void misfired(String worker, Instant first, Instant last, long missed, MisfirePolicy policy) {
    }
}
