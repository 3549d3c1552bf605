package dev.baton.worker;

import java.time.Instant;
import java.util.Optional;

/**
 * A worker as this node's manager sees it.
 *
 * @param name           the worker's name
 * @param schedule       when it runs; empty for a continuous {@link BackgroundWorker}
 * @param state          what it does on this node now
 * @param executions     executions finished on this node
 * @param nextSlot       the next slot this node will attempt, if any
 * @param lastOutcome    the outcome of the last execution on this node, if any
 * @param failuresInARow consecutive failed executions on this node
 */
public record WorkerInfo(String name, Optional<Schedule> schedule, WorkerState state, Optional<Instant> nextSlot,
                         Optional<Outcome> lastOutcome, long executions, long failuresInARow) {

    /**
     * Checks the fields.
     *
     * @throws NullPointerException if a field is null
     */
    public WorkerInfo {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(schedule, "schedule");
        java.util.Objects.requireNonNull(state, "state");
        java.util.Objects.requireNonNull(nextSlot, "nextSlot");
        java.util.Objects.requireNonNull(lastOutcome, "lastOutcome");
    }

    /** The local state of a worker. */
    public enum WorkerState { IDLE, RUNNING, PAUSED, STOPPED }
}
