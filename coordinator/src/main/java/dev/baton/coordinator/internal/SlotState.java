package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * The stored state of one worker, shared by the coordination implementations. Immutable;
 * instants are epoch milliseconds on the cluster clock, {@link #NONE} when absent.
 *
 * @param holderNode     the node running the worker now, or null
 * @param holderSession  the session that node claimed with, or null
 * @param lastNode       the node that claimed the last slot, or null
 * @param failuresInARow consecutive executions that failed or timed out
 */
public record SlotState(String worker, long lastSlot, long fence, String holderNode, String holderSession,
                        Outcome lastOutcome, long startedAt, long finishedAt, boolean paused, boolean triggerPending,
                        String lastNode, int failuresInARow) {

    public static final long NONE = Long.MIN_VALUE;

    public static SlotState empty(String worker) {
        return new SlotState(worker, NONE, 0, null, null, null, NONE, NONE, false, false, null, 0);
    }

    public boolean running() {
        return holderNode != null;
    }

    public SlotState withPaused(boolean paused) {
        return new SlotState(worker, lastSlot, fence, holderNode, holderSession, lastOutcome, startedAt, finishedAt,
                paused, triggerPending, lastNode, failuresInARow);
    }

    public SlotState withTriggerPending(boolean pending) {
        return new SlotState(worker, lastSlot, fence, holderNode, holderSession, lastOutcome, startedAt, finishedAt,
                paused, pending, lastNode, failuresInARow);
    }

    /** The state after the holder finished with {@code outcome}. */
    public SlotState finished(Outcome outcome, long nowMillis) {
        int failures = switch (outcome) {
            case FAILED, TIMED_OUT -> failuresInARow + 1;
            case SUCCEEDED -> 0;
            default -> failuresInARow;
        };
        return new SlotState(worker, lastSlot, fence, null, null, outcome, startedAt, nowMillis, paused, triggerPending,
                lastNode, failures);
    }

    public WorkerRecord toRecord() {
        return new WorkerRecord(worker, instant(lastSlot), fence, Optional.ofNullable(holderNode),
                Optional.ofNullable(lastOutcome), instant(startedAt), instant(finishedAt), paused, triggerPending,
                Optional.ofNullable(lastNode), failuresInARow);
    }

    private static Optional<Instant> instant(long millis) {
        return millis == NONE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }
}
