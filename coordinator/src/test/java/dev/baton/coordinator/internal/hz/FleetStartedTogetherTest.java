package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Nodes started together join the cluster a moment apart. The oldest founds the lineage once the
 * member list has stopped growing (and the floor is there), so that the fleet starts with every node
 * a voter: founded without the last of them, it has two voters until the change that adds it, a
 * lease later, and losing either of the two meanwhile stops every node until that one is back.
 * Times are the simulation's: a 2 s lease, a 0.8 s bootstrap wait, a 0.3 s settle.
 */
class FleetStartedTogetherTest {

    private static final long LEASE = 2000 * SimulatedNetwork.MS;
    private static final long MARGIN = 200 * SimulatedNetwork.MS;

    private static SimulatedNetwork network(int floor) {
        SimulatedNetwork net = new SimulatedNetwork(11, LEASE, MARGIN, floor);
        net.bootstrapSettle = 300 * SimulatedNetwork.MS;
        return net;
    }

    @Test
    void threeNodesStartedAMomentApartFoundTheLineageTogether() {
        SimulatedNetwork net = network(1);
        SimulatedNetwork.SimNode a = net.start("a");
        SimulatedNetwork.SimNode b = net.start("b");
        net.run(250);
        SimulatedNetwork.SimNode c = net.start("c");
        net.run(1000);

        assertThat(a.voters.current().founders()).as("founders of " + a.voters.current()).isEqualTo(3);
        assertThat(List.of(a, b, c)).allSatisfy(n -> assertThat(n.voters.current().ids()).hasSize(3));
    }

    @Test
    void theFirstNodeUnderAFloorOfTwoWaitsForTheOthersInsteadOfFoundingAlone() {
        SimulatedNetwork net = network(2);
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(200);
        net.start("b");
        net.run(200);
        net.start("c");
        net.run(1000);

        assertThat(a.voters.current().founders()).as("founders of " + a.voters.current()).isEqualTo(3);
    }

    /**
     * The first node's first look sees it alone (a Hazelcast member that formed the cluster, joined
     * by the others a moment later): that look counts as a join too (a review of 75b452b, where it
     * founded alone at once and the others came in one change at a time).
     */
    @Test
    void theFirstNodeAloneForAMomentStillFoundsWithTheOthers() {
        SimulatedNetwork net = network(1);
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(30);
        net.start("b");
        net.run(250);
        net.start("c");
        net.run(1000);

        assertThat(a.voters.current().founders()).as("founders of " + a.voters.current()).isEqualTo(3);
    }

    @Test
    void aLoneNodeFoundsAloneOnceTheSettleIsOver() {
        SimulatedNetwork net = network(1);
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(200);
        assertThat(a.voters.current().isNone()).as("no lineage within the settle").isTrue();
        net.run(200);

        assertThat(a.voters.current().ids()).hasSize(1);
    }

    @Test
    void aTrickleOfJoinsHoldsTheFoundingBackOnlyUntilTheWaitIsOver() {
        SimulatedNetwork net = network(1);
        SimulatedNetwork.SimNode a = net.start("a");
        SimulatedNetwork.SimNode b = net.start("b");
        for (long t = 0; t < 700; t += 100) {
            net.start("late" + t);
            net.run(100);
        }
        assertThat(a.voters.current().isNone()).as("still growing at 700 ms: not founded yet").isTrue();
        net.run(300);

        assertThat(a.voters.current().isNone()).as("founded once the 0.8 s wait was over").isFalse();
        assertThat(b.voters.current().ids()).contains(b.voters.voterId());
    }
}
