package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A voter leaving at the floor (BATON_MIN_CLUSTER_SIZE=2) hands its seat to a newcomer first; from the first review of the leave change. */
class FloorLeaveReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    /** Two voters [n0, n1] at a floor of two, just committed: n2 starts now and is no voter yet. */
    private SimulatedNetwork.SimNode[] atTheFloor(SimulatedNetwork net, List<Voters> seen) {
        // The oldest member (the driver) has the higher node id, so its ballot wins a tie of rounds.
        SimulatedNetwork.SimNode[] n = net.twoVoters("n1", "n0");
        n[0].voters.onLearn(seen::add);
        n[1].voters.onLearn(seen::add);
        return n;
    }

    /**
     * The leaver is not the driver: n0 leaves while n1 (the oldest voter) drives. The driver takes
     * the same steps for the leave as the leaver (it used to remove a closing voter before anything
     * else, whatever the floor).
     */
    @Test
    void aNonDrivingVoterLeavingAtTheFloorNeverTakesTheVotersBelowIt() {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 5; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            List<Voters> seen = new ArrayList<>();
            SimulatedNetwork.SimNode[] n = atTheFloor(net, seen);
            // The last change (adding n1) lands about now: n2 waits a lease and margin to be added.
            Voters base = n[0].voters.current();
            SimulatedNetwork.SimNode n2 = net.start("n2");
            // The leaver still runs an execution when it announces it leaves (BATON_SHUTDOWN_GRACE):
            // its closing session stays in the others' tables while it holds a lock.
            net.hold(n[1], "w");
            net.leave(n[1], LEASE * 4);
            net.run(15_000);
            for (Voters v : seen) {
                if (v.size() < 2) {
                    failures.add("seed " + seed + ": " + v.nodes() + " (from " + base.nodes() + ")");
                    break;
                }
            }
            assertThat(n[0].voters.current().nodes()).as("seed %d", seed).containsExactly("n1", "n2");
        }
        assertThat(failures).as("configurations below the floor of two").isEmpty();
    }
}
