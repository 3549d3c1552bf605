package dev.baton.worker;

import java.time.Instant;
import java.util.Optional;

/**
 * A worker as this node's manager sees it.
 *
 * @param schedule       {@code Schedule#describe()}, or {@code "continuous"} for a plain {@link BackgroundWorker}
 * @param nextSlot       the next slot this node will attempt, if any
 * @param lastOutcome    the outcome of the last execution on this node, if any
 * @param failuresInARow consecutive failed executions on this node
 */
public record WorkerInfo(String name, String schedule, WorkerState state, Optional<Instant> nextSlot,
                         Optional<Outcome> lastOutcome, long executions, long failuresInARow) {

    /** The local state of a worker. */
    public enum WorkerState { IDLE, RUNNING, PAUSED, STOPPED }
}
