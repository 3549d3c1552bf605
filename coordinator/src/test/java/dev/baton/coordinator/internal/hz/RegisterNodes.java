package dev.baton.coordinator.internal.hz;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Nodes on real members with their records in the registers, for the register path's tests: each node's
 * state under a directory of the test's, closed with its members.
 */
final class RegisterNodes implements AutoCloseable {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<HzCoordination> nodes = new ArrayList<>();
    private final Path state;
    private final HzSettings settings;

    RegisterNodes(Path state, Duration lease, Duration voterRemovalDelay) {
        this.state = state;
        this.settings = HzSettings.forLease(lease, 1, voterRemovalDelay);
    }

    HazelcastInstance member(int i) {
        return members.get(i);
    }

    /** A node on member {@code i}, not started. */
    HzCoordination node(int i, String id) {
        HzCoordination c = new HzCoordination(members.get(i), id, settings, HzCoordination.stateIn(state.resolve(id), id),
                true);
        nodes.add(c);
        return c;
    }

    /** Three nodes (n0-n2) that registered {@code workers}, started, each of them a voter with a quorum. */
    List<HzCoordination> threeVoters(String... workers) {
        List<HzCoordination> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HzCoordination c = node(i, "n" + i);
            for (String w : workers) {
                c.register(w);
            }
            c.start(NoEvents.INSTANCE);
            three.add(c);
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> three.stream()
                .allMatch(c -> c.status().quorumPresent() && c.status().voters().size() == 3));
        return three;
    }

    @Override
    public void close() {
        nodes.forEach(HzCoordination::close);
        members.close();
    }
}
