package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A voter that is gone is removed only by a majority of the current voters. With two voters, the
 * survivor is no majority: a two-node cluster that loses one node for good - killed and replaced
 * by a process with a new node id or without its state (a Deployment's new pod name, a recreated
 * compose container, a replaced VM) - grants nothing until the lost node comes back with its state,
 * or an operator resets the voters. (The 2000-seed run of LeaseProtocolSimulationTest once found
 * voters {n0, n1} where n0 left gracefully, its removal did not commit within the leave deadline, it
 * came back as n100, and nothing was granted for the rest of the run.)
 */
class TwoVoterStallTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    private SimulatedNetwork.SimNode[] twoVoters() {
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(1000);
        SimulatedNetwork.SimNode b = net.start("b");
        for (int t = 0; t < 20_000 && a.voters.current().size() < 2; t += 100) {
            net.run(100);
        }
        assertThat(a.voters.current().nodes()).containsExactly("a", "b");
        // Past the moment when acknowledgements under the one-voter configuration still count.
        net.run(LEASE / MS + 1000);
        return new SimulatedNetwork.SimNode[] {a, b};
    }

    private boolean grants(SimulatedNetwork.SimNode node, String worker) {
        CompletableFuture<Boolean> granted = node.session.acquire(worker);
        net.run(2000);
        return granted.getNow(false);
    }

    @Test
    void aNodeThatComesBackWithItsStateTakesItsSeatBackAndTheClusterRunsAgain() {
        SimulatedNetwork.SimNode[] n = twoVoters();
        net.crash(n[1]);
        net.run(1000);
        assertThat(grants(n[0], "w")).as("one of two voters is no majority").isFalse();

        net.restart(n[1], "b");
        net.run((LEASE + MARGIN) / MS + 1000);

        assertThat(n[0].voters.current().nodes()).containsExactly("a", "b");
        assertThat(grants(n[0], "w")).isTrue();
    }

    @Test
    void aClusterThatLostAMajorityForGoodRunsAgainOnceAnOperatorResetsItsVoters() {
        SimulatedNetwork.SimNode[] n = twoVoters();
        net.crash(n[1]);
        net.run(1000);
        SimulatedNetwork.SimNode c = net.start("c");
        // Far past the voter removal delay (4 s here): nothing the cluster can do alone.
        net.run(60_000);
        assertThat(grants(n[0], "w")).as("stalled; voters: %s", n[0].voters.current()).isFalse();

        String lineage = n[0].voters.current().lineage();
        assertThatThrownBy(() -> n[0].voters.reset("another", java.util.List.of(), 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing was reset");
        n[0].voters.reset(lineage, java.util.List.of(c.voters.voterId()), net.clock.get() / MS);
        net.run(3000);

        assertThat(c.voters.current()).as("c adopts the reset lineage").isEqualTo(n[0].voters.current());
        assertThat(n[0].voters.current().nodes()).containsExactly("a", "c");
        assertThat(grants(c, "w")).isTrue();
    }
}
