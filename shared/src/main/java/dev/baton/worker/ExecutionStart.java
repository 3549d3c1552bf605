package dev.baton.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** An execution that has just claimed its slot and is about to call {@code doWork}. */
public record ExecutionStart(String worker, String executionId, Instant slot, long fencingToken, String nodeId,
                             Instant startedAt, RunKind kind) {

    public ExecutionStart {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(kind, "kind");
    }

    public Duration startLateness() {
        return Duration.between(slot, startedAt);
    }
}
