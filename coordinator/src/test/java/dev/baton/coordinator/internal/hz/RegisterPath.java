package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.worker.spi.Coordination;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A coordination whose records are the workers' registers (step 3 of docs/records-in-the-lock-tables.md),
 * for tests in other packages and modules: the product has no switch for it yet.
 */
public final class RegisterPath {

    private RegisterPath() {
    }

    /** A node with the given lease and the default voter removal delay, its state kept under {@code state}. */
    public static Coordination coordination(HazelcastInstance member, String nodeId, Duration lease, Path state) {
        HzSettings settings = HzSettings.forLease(lease, 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        return new HzCoordination(member, nodeId, settings, HzCoordination.stateIn(state.resolve(nodeId), nodeId),
                true);
    }
}
