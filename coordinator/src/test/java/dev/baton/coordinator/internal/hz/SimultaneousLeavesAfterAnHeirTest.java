package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two voters get SIGTERM at the same moment a moment after a third process took a seat (a drain of
 * the Kubernetes node that runs both, shortly after the third pod was scheduled elsewhere), and one
 * of the two cannot reach the third (a firewall or network policy between those two hosts). From
 * the seventh review of the leave: the leaver that heard everyone took itself out first, and the
 * other, cut off from the one voter staying, exited seated beside it: [n1, n2] with n1 gone, no
 * majority to change anything, so no lease was granted again, even after new nodes joined.
 */
class SimultaneousLeavesAfterAnHeirTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);
    private static final int SEEDS = 20;

    /**
     * Voters [n0 (driver), n1]; n2 starts cut off from n1 alone and the driver adds it. Within 1.5 s
     * of that change (so n2 is an heir to every member, VotersDriver.noteHeirs) n0 and n1 get SIGTERM
     * together. The replacement n3 joins after the leaves end, or, at a floor of two, with the
     * SIGTERMs (a Deployment replaces drained pods at once), so that an heir is there when one is
     * needed. n2 must then grant leases, and no configuration may fall below the floor.
     */
    @ParameterizedTest(name = "floor {0}, replacement with the SIGTERMs: {1}")
    @CsvSource({"1, false", "2, true"})
    void twoVotersLeavingTogetherRightAfterAnHeirLeaveALiveMajority(int floor, boolean replacementAtOnce) {
        assertThat(drains(floor, replacementAtOnce, 0))
                .as("n2 grants nothing after the leaves, or a configuration below the floor").isEmpty();
    }

    /**
     * The same, the SIGTERMs 3 to 4.5 s after n2's change: n2 is no heir, and the next change may be
     * proposed at once, before either leaver has heard that the other leaves. Each took itself out,
     * and n0's change won: [n1, n2] for good in 20 of 20 seeds at 623613a.
     */
    @ParameterizedTest(name = "floor {0}, replacement with the SIGTERMs: {1}")
    @CsvSource({"1, false", "2, true"})
    void twoVotersLeavingTogetherLongAfterTheLastChangeLeaveALiveMajority(int floor, boolean replacementAtOnce) {
        assertThat(drains(floor, replacementAtOnce, 3000))
                .as("n2 grants nothing after the leaves, or a configuration below the floor").isEmpty();
    }

    /** The seeds where n2 grants nothing after the leaves, or a configuration fell below the floor. */
    private static List<String> drains(int floor, boolean replacementAtOnce, long quietMillis) {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> n = net.voters(2);
            net.run((LEASE + MARGIN) / MS + 500);
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.cut(n.get(1).index, n2.index);
            List<String> seen = new ArrayList<>();
            long t0 = net.clock.get();
            n2.voters.onLearn(v -> seen.add((net.clock.get() - t0) / MS + " ms " + v.nodes()));
            net.awaitTrue(() -> n.get(0).voters.current().contains(n2.voters.voterId()), 10_000, "n2 added");
            net.run(quietMillis + net.random.nextInt(1500));
            seen.add((net.clock.get() - t0) / MS + " ms SIGTERM");
            n.forEach(leaver -> net.leave(leaver, BOUND));
            if (replacementAtOnce) {
                net.start("n3");
            }
            net.awaitTrue(() -> n.stream().noneMatch(leaver -> leaver.up), 60_000, "n0 and n1 gone");
            seen.add((net.clock.get() - t0) / MS + " ms both gone");
            net.heal();
            net.run(2_000);
            if (!replacementAtOnce) {
                net.start("n3");
            }
            net.run(40_000);
            boolean granted = net.grants(n2, "w", 3_000);
            boolean below = seen.stream().anyMatch(c -> c.endsWith("]") && c.split(",").length < floor);
            if (!granted || below) {
                out.add("seed " + seed + (granted ? "" : " STALLED") + (below ? " below the floor" : "")
                        + ": at n2 " + seen + ", now " + n2.voters.current().nodes());
            }
        }
        return out;
    }
}
