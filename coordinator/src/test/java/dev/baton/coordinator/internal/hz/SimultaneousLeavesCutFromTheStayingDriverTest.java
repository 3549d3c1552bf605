package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Review of 4764560 (s47): voters [n0 (the driver), n1, n2]; n0 stays, n1 and n2 get SIGTERM at the
 * same moment (a scale-in 3 -> 1, or a drain with a replacement at floor 2), and n1 is cut off from
 * n0 alone, {@code cutBefore} ms before the SIGTERMs. The fleet must grant leases again once the
 * leaves end and a fresh node joins.
 *
 * <p>With the cut 5 s old, 4764560 ends well (0 of 20 seeds stall at floors 1 and 2; b26f445: 20 of
 * 20). With the cut under a second old (n0 still counts n1's session live and its member in the
 * view), both stall in 20 of 20 seeds: n0 does not hear n1 closing, hears n2 closing, still counts n1
 * as live so {@code restStalls} is false, and proposes n2's removal at once, while the leavers wait
 * a quarter of a second; [n0, n1] commits with n2's vote, and n1, cut off from n0, exits seated.
 */
class SimultaneousLeavesCutFromTheStayingDriverTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);
    private static final int SEEDS = 20;

    @ParameterizedTest(name = "floor {0}, cut {1} ms before the SIGTERMs")
    @CsvSource({"1, 0", "1, 300", "1, 800", "1, 5000", "2, 0", "2, 300", "2, 800", "2, 5000"})
    void twoLeaversOneCutFromTheStayingDriverLeaveALiveMajority(int floor, long cutBefore) {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> n = net.voters(3);
            net.run((LEASE + MARGIN) / MS + 3000);
            net.cut(0, 1);
            net.run(cutBefore);
            List<String> seen = new ArrayList<>();
            long t0 = net.clock.get();
            n.get(0).voters.onLearn(v -> seen.add((net.clock.get() - t0) / MS + " ms " + v.nodes()));
            net.leave(n.get(1), BOUND);
            net.leave(n.get(2), BOUND);
            if (floor > 1) {
                net.start("n3");
            }
            net.awaitTrue(() -> !n.get(1).up && !n.get(2).up, 60_000, "n1 and n2 gone");
            boolean n1Seated = n.get(1).voters.current().contains(n.get(1).voters.voterId());
            net.heal();
            net.run(2_000);
            net.start("n4");
            net.run(40_000);
            if (!net.grants(n.get(0), "w", 3_000)) {
                out.add("seed " + seed + ": n1 exited seated=" + n1Seated + ", at n0 " + seen + ", now "
                        + n.get(0).voters.current().nodes());
            }
        }
        assertThat(out).as("n0 grants nothing after the leaves").isEmpty();
    }
}
