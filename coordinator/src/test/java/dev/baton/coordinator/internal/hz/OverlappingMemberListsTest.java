package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The simulator's member lists must come together after a partial split as Hazelcast's do: its master
 * removes the member it lost, that member ends up in a cluster of its own (ClusterJoinManager refuses to
 * merge lists that overlap and has it suspected first), and it merges back under a new member id. Lists
 * that stay apart would keep the nodes out of each other's sessions for good, which Hazelcast never does.
 */
class OverlappingMemberListsTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    /** n0 and n2 lose each other while n1 reaches both: n0 lists {n0, n1}, n2 {n1, n2}, n1 all three. */
    @Test
    void listsThatOverlapAfterAPartialSplitComeTogetherWithANewIdForTheOneThatMoves() {
        SimulatedNetwork net = new SimulatedNetwork(11, LEASE, MARGIN, 1);
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        net.cut(0, 2);
        net.run(2000);
        assertThat(n.get(0).view).containsExactlyInAnyOrder(n.get(0), n.get(1));
        assertThat(n.get(1).view).containsExactlyInAnyOrder(n.get(0), n.get(1), n.get(2));
        assertThat(n.get(2).view).containsExactlyInAnyOrder(n.get(1), n.get(2));
        List<UUID> before = n.stream().map(x -> x.uuid).toList();

        net.heal();
        net.awaitTrue(() -> n.stream().allMatch(x -> x.view.equals(Set.copyOf(n))),
                net.mergeDelay / MS + 1000, "one member list");

        assertThat(n.get(1).uuid).isEqualTo(before.get(1));
        long moved = n.stream().filter(x -> !x.uuid.equals(before.get(x.index))).count();
        assertThat(moved).as("the member outside the larger list restarts its Hazelcast member").isEqualTo(1);
    }
}
