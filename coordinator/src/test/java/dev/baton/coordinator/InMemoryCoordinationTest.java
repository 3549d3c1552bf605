package dev.baton.coordinator;

import dev.baton.worker.spi.Coordination;
import java.time.Clock;
import java.time.Duration;

class InMemoryCoordinationTest extends CoordinationContract {

    private final InMemoryCluster cluster = InMemoryCoordination.cluster(Clock.systemUTC(), Duration.ofSeconds(2));

    @Override
    protected Coordination newNode(String id) {
        return cluster.node(id);
    }
}
