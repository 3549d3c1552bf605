package dev.baton.coordinator;

import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The coordination contract on a real three-member Hazelcast cluster over TCP on loopback. */
class HazelcastCoordinationContractTest extends CoordinationContract {

    private static HazelcastMembers members;
    private static final Map<String, Integer> MEMBER_OF_NODE = Map.of("a", 0, "b", 1, "c", 2);

    @BeforeAll
    static void startCluster() {
        members = new HazelcastMembers(2);
        members.get(2);
    }

    @AfterAll
    static void stopCluster() {
        members.close();
    }

    @Override
    protected Coordination newNode(String id) {
        return HazelcastCoordination.builder(members.get(MEMBER_OF_NODE.get(id)))
                .nodeId(id)
                .lease(Duration.ofSeconds(2))
                .build();
    }
}
