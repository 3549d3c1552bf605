package dev.baton.coordinator;

import dev.baton.coordinator.internal.MemoryCluster;
import dev.baton.worker.spi.Coordination;
import java.time.Clock;
import java.time.Duration;

/**
 * Coordination inside one process: for a single node, for tests, and for trying Baton out. Several
 * in-memory nodes may share one {@link InMemoryCluster} to test how workers spread.
 */
public final class InMemoryCoordination {

    /** Leases expire this long after their last renewal; the engine renews them every third of it. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private InMemoryCoordination() {
    }

    /** One node, alone, on the system UTC clock. */
    public static Coordination standalone() {
        return standalone(Clock.systemUTC());
    }

    /** One node, alone, on {@code clock}. */
    public static Coordination standalone(Clock clock) {
        return cluster(clock).node("local");
    }

    /** A cluster of in-memory nodes on {@code clock}. */
    public static InMemoryCluster cluster(Clock clock) {
        return new MemoryCluster(clock, DEFAULT_LEASE);
    }

    /** A cluster of in-memory nodes on {@code clock} whose leases expire after {@code lease} without renewal. */
    public static InMemoryCluster cluster(Clock clock, Duration lease) {
        return new MemoryCluster(clock, lease);
    }
}
