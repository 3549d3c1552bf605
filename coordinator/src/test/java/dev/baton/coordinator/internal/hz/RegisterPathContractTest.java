package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.CoordinationContract;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordination contract with the records in the workers' registers (step 3 of
 * docs/records-in-the-lock-tables.md): claims, ends and actions written through them on real members.
 */
class RegisterPathContractTest extends CoordinationContract {

    private static final Map<String, Integer> MEMBER_OF_NODE = Map.of("a", 0, "b", 1, "c", 2);

    private final HazelcastMembers members = new HazelcastMembers(2);

    @TempDir
    Path state;

    @Override
    protected Coordination newNode(String id) {
        HzSettings settings = HzSettings.forLease(Duration.ofSeconds(2), 1, Duration.ofSeconds(30));
        return new HzCoordination(members.get(MEMBER_OF_NODE.get(id)), id, settings,
                HzCoordination.stateIn(state.resolve(id), id), true);
    }

    @Override
    protected void afterNodesClosed() {
        members.close();
    }
}
