package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * From the review of d848128 (a closing session tells the members behind on the voters its voters,
 * and the close waits for them): that wait ends as soon as the staying voter drops out of the
 * leaver's member list, or after the close timeout. Voters [n0, n1]; n1 leaves, and the moment it
 * sees its own removal committed the link n0-n1 breaks for 1.5 s (the removal's learn to n0 lost
 * with it). n1 exits while cut off; n0, which accepted the change but never learned it, keeps
 * [n0, n1] with n1 gone after the link heals: no majority to change anything again.
 */
class LeaverCutFromTheStayerAtItsRemovalTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final int SEEDS = 20;

    @Test
    void theStayingVoterLearnsTheLeaversRemovalAfterAShortCut() {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n0", "n1");
            SimulatedNetwork.SimNode stays = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            net.run((LEASE + MARGIN) / MS + 500);
            // As in LeaverExitsBeforeTheOthersLearnTest: every learn sent to n0 is lost (here, with the link).
            net.dropVoters = (to, request) -> to == stays && request.kind == VotersRequest.Kind.LEARN;
            net.leave(leaver, SimulatedNetwork.seatReturnBound(LEASE, MARGIN));
            boolean cut = false;
            for (int t = 0; t < 60_000 && leaver.up; t += 5) {
                if (!cut && !leaver.voters.current().contains(leaver.voters.voterId())) {
                    cut = true;
                    net.cut(0, 1);
                    net.later(1500 * MS, net::heal);
                }
                net.run(5);
            }
            net.run(10_000);
            net.start("n2");
            net.run(40_000);
            if (!net.grants(stays, "w", 3_000)) {
                stalled.add("seed " + seed + ": n0 on " + stays.voters.current().nodes());
            }
        }
        assertThat(stalled).as("n0 grants nothing after n1's leave").isEmpty();
    }
}
