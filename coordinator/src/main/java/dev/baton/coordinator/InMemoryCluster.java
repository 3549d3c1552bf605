package dev.baton.coordinator;

import dev.baton.worker.spi.Coordination;

/** Several in-memory nodes sharing one process, to see workers spread and hand over without a network. */
public interface InMemoryCluster {

    /** A node of this cluster; each node id once at a time. */
    Coordination node(String nodeId);

    /** Ends every lease {@code nodeId} holds, as a partition would: its executions are interrupted. */
    void revoke(String nodeId);
}
