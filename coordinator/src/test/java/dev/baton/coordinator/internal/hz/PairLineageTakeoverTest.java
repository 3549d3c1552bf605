package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A fleet that grew from one process (started as a single node and scaled up, or whose other pods'
 * Baton answered later than the bootstrap wait) was founded by one process, however many voters it
 * has. Two fresh processes that start cut off from it (a scale-up during a network fault) found a
 * lineage of two. When lineages ranked by how they started (founders, then age), the pair's won:
 * the healthy three-voter fleet moved into the two-voter lineage, and if one of the pair then
 * crashed for good before the fleet's voters were added back, the survivors were no majority of
 * it and nothing was granted again. Lineages now rank by the most voters each has had, so the pair
 * joins the fleet's lineage, and the fleet keeps working when one of the pair crashes.
 *
 * <p>Here: n0 founds lineage A alone; n1 and n2 join it (three voters); n3 and n4 start together cut
 * off from them and found D; the link heals; n3 crashes for good right after the merge.
 */
class PairLineageTakeoverTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(11, LEASE, MARGIN, 1);

    @Test
    void aPairThatFoundedALineageCutOffDoesNotStopAHealthyFleetForGoodWhenOneOfThemCrashes() {
        // Indexes 0-1 (the later n3, n4) exist so that links can be cut, but do not run yet.
        List<SimulatedNetwork.SimNode> pair = new ArrayList<>();
        pair.add(net.start("n3"));
        pair.add(net.start("n4"));
        pair.forEach(net::crash);
        net.run(1_500);

        List<SimulatedNetwork.SimNode> fleet = new ArrayList<>();
        fleet.add(net.start("n0"));
        net.awaitTrue(() -> fleet.get(0).voters.current().size() == 1, "n0 to found lineage A alone");
        fleet.add(net.start("n1"));
        fleet.add(net.start("n2"));
        net.awaitTrue(() -> fleet.stream().allMatch(n -> n.voters.current().size() == 3), "lineage A to grow to three voters");
        String lineageA = fleet.get(0).voters.current().lineage();

        net.partition(List.of(List.of(0, 1), List.of(2, 3, 4)));
        pair.forEach(n -> net.restart(n, n.nodeId, false));
        net.awaitTrue(() -> pair.stream().allMatch(n -> n.voters.current().size() == 2), "lineage D with two voters");
        String lineageD = pair.get(0).voters.current().lineage();
        assertThat(lineageD).isNotEqualTo(lineageA);

        net.run(LEASE / MS + 1_000);
        net.hold(fleet.get(0), "w");
        List<String> losses = new ArrayList<>();
        fleet.get(0).session.onLost("w", () -> losses.add("lost at " + net.clock.get() / MS + "ms"));

        net.heal();
        for (int t = 0; t < 10_000 && !fleet.get(1).voters.current().lineage().equals(lineageD)
                && !pair.get(0).voters.current().lineage().equals(lineageA); t += 50) {
            net.run(50);
        }
        net.run(500);
        Voters atCrash = fleet.get(1).voters.current();
        net.crash(pair.get(0));
        net.run(60_000);

        CompletableFuture<Boolean> granted = fleet.get(1).session.acquire("x");
        net.run(3_000);
        assertThat(granted.getNow(false)).as("a minute after one node of five crashed, the three healthy voters of"
                + " the fleet grant locks again (lineage A %s, D %s; n1 knew %s at the crash, knows %s now; n0's lease"
                + " on w: %s)", lineageA, lineageD, atCrash, fleet.get(1).voters.current(), losses).isTrue();
    }
}
