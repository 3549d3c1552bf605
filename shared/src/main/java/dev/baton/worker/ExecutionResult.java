package dev.baton.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One finished execution, as seen by listeners and notifiers.
 *
 * @param startedAt  cluster time when {@code doWork} was called
 * @param finishedAt cluster time when the scope was closed
 * @param error      what {@code doWork} threw, if anything
 */
public record ExecutionResult(String worker, String executionId, Instant slot, long fencingToken, String nodeId,
                              Instant startedAt, Instant finishedAt, Outcome outcome, Optional<Throwable> error,
                              RunKind kind) {

    public ExecutionResult {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(kind, "kind");
    }

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /** How late the execution started after its slot. */
    public Duration startLateness() {
        return Duration.between(slot, startedAt);
    }
}
