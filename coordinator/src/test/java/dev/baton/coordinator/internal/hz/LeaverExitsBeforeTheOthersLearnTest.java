package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leaver whose own removal committed exits; the voter that stays must know that removal by then.
 * From the review of 4764560 (a fuzz with lost messages): the change's learn to the staying voter
 * was lost, the leaver exited at once, and the staying voter kept the configuration before, the
 * leaver's seat in it: two voters with one gone, no majority to change anything, for good.
 */
class LeaverExitsBeforeTheOthersLearnTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final int SEEDS = 20;

    /**
     * Voters [n0 (driver), n1]; n1 leaves, and every learn sent to n0 is lost (as a broken connection
     * would lose it). n0 must end as the only voter and grant leases, alone and after n2 joins.
     */
    @Test
    void theStayingVoterKnowsTheLeaversRemovalWhenTheLeaverExits() {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n0", "n1");
            SimulatedNetwork.SimNode stays = v[0];
            net.run((LEASE + MARGIN) / MS + 500);
            net.dropVoters = (to, request) -> to == stays && request.kind == VotersRequest.Kind.LEARN;
            net.leave(v[1], SimulatedNetwork.seatReturnBound(LEASE, MARGIN));
            net.awaitTrue(() -> !v[1].up, 60_000, "n1 gone");
            Voters atExit = stays.voters.current();
            net.run(10_000);
            net.start("n2");
            net.run(40_000);
            if (!net.grants(stays, "w", 3_000)) {
                stalled.add("seed " + seed + ": n0 at n1's exit " + atExit.nodes() + ", now "
                        + stays.voters.current().nodes());
            }
        }
        assertThat(stalled).as("n0 grants nothing after n1's leave").isEmpty();
    }
}
