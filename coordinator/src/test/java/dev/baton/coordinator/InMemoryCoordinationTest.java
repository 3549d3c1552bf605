package dev.baton.coordinator;

import dev.baton.worker.spi.Coordination;
import java.time.Clock;

class InMemoryCoordinationTest extends CoordinationContract {

    private final InMemoryCluster cluster = InMemoryCoordination.cluster(Clock.systemUTC());

    @Override
    protected Coordination newNode(String id) {
        return cluster.node(id);
    }
}
