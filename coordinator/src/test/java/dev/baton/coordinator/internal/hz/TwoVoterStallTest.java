package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A voter that is gone is removed only by a majority of the current voters. With two voters, the
 * survivor is no majority: a two-node cluster that loses one node for good - killed and replaced
 * by a process with a new node id (a Deployment's new pod name, a recreated compose container, a
 * replaced VM), or a graceful leave whose removal did not commit before the process exited - never
 * grants anything again, even once the replacement has joined: the replacement can only become a
 * voter through the same majority. Nothing but restarting the lost id brings it back, and no
 * operator action exists. (The 2000-seed run of LeaseProtocolSimulationTest failed seed 691 this
 * way: n0 of voters {n0, n1} left gracefully, its removal did not commit within the leave deadline,
 * it came back as n100, and nothing was granted for the rest of the run.)
 */
class TwoVoterStallTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @Test
    void aTwoNodeClusterThatLosesANodeForGoodRunsAgainOnceAReplacementJoined() {
        SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(1000);
        SimulatedNetwork.SimNode b = net.start("b");
        for (int t = 0; t < 20_000 && a.voters.current().size() < 2; t += 100) {
            net.run(100);
        }
        assertThat(a.voters.current().ids()).containsExactly("a", "b");

        net.crash(b);
        net.run(1000);
        SimulatedNetwork.SimNode c = net.start("c");
        // Far past the voter removal delay (4 s here) and the replacement's warm-up.
        net.run(60_000);

        CompletableFuture<Boolean> granted = a.session.acquire("w");
        net.run(1000);
        assertThat(granted.getNow(false)).as("a grant once the replacement %s has joined; voters: %s", c,
                a.voters.current()).isTrue();
    }
}
