package dev.baton.coordinator.internal;

import dev.baton.worker.RunKind;
import dev.baton.worker.ServiceScope;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.spi.Lease;
import java.time.Instant;

/** The {@link WorkerContext} of one execution. */
final class ExecutionContext implements WorkerContext {

    private final String executionId;
    private final String nodeId;
    private final Lease lease;
    private final ServiceScope scope;
    private final RunKind kind;

    ExecutionContext(String executionId, String nodeId, Lease lease, ServiceScope scope, RunKind kind) {
        this.executionId = executionId;
        this.nodeId = nodeId;
        this.lease = lease;
        this.scope = scope;
        this.kind = kind;
    }

    @Override
    public RunKind runKind() {
        return kind;
    }

    @Override
    public String workerName() {
        return lease.worker();
    }

    @Override
    public String executionId() {
        return executionId;
    }

    @Override
    public Instant scheduledAt() {
        return lease.slot();
    }

    @Override
    public long fencingToken() {
        return lease.fencingToken();
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public ServiceScope services() {
        return scope;
    }

    @Override
    public boolean isLeaseValid() {
        return lease.isValid();
    }
}
