package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.CoordinationContract;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.worker.spi.Coordination;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordination contract with the records in the workers' registers (step 3 of
 * docs/records-in-the-lock-tables.md): claims, ends and actions written through them on real members.
 */
@Execution(ExecutionMode.CONCURRENT)
class RegisterPathContractTest extends CoordinationContract {

    private static final Map<String, Integer> MEMBER_OF_NODE = Map.of("a", 0, "b", 1, "c", 2);

    private final HazelcastMembers members = new HazelcastMembers(2);

    @TempDir
    Path state;

    @Override
    protected Coordination newNode(String id) {
        // The product's default lease: a claim here is a Paxos write (a prepare after the lock changed hands, an
        // accept, a forced log write each), and two seconds left a loaded machine little room for it.
        HzSettings settings = HzSettings.forLease(Duration.ofSeconds(5), 1, Duration.ofSeconds(30));
        return new HzCoordination(members.get(MEMBER_OF_NODE.get(id)), id, settings,
                HzCoordination.stateIn(state.resolve(id), id), true);
    }

    @Override
    protected void afterNodesClosed() {
        members.close();
    }
}
