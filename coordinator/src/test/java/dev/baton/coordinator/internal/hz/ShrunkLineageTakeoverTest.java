package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Lineages rank by the most voters each has ever had, not by the voters each has now. A fleet
 * that once had four voters and was scaled down to two keeps its peak of four, and outranks a
 * lineage of three healthy voters that started cut off from it (a scale-up during a network
 * fault). When they meet, the three move into the two-voter lineage. Had the winner waited for
 * them to open sessions in its lineage (a lease plus margin) before adding the first, a crash for
 * good of one of its two voters in that window would leave the survivor no majority of two, and
 * nothing would be granted again although four healthy nodes run. The winner adds the first of
 * them at once, as soon as it hears of their lineage, so the window is one change long.
 *
 * <p>Here: n0 founds lineage A alone; n1, n2 and n3 join it (four voters); n2 and n3 leave
 * gracefully (A: two voters, peak four); n4, n5 and n6 start together cut off from them and
 * found D (three voters); the link heals; n1 crashes for good right after the merge.
 */
class ShrunkLineageTakeoverTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(11, LEASE, MARGIN, 1);

    @Test
    void aLineageThatShrankBelowAHealthyOneDoesNotStopTheMergedFleetForGoodWhenOneOfItsVotersCrashes() {
        // Indexes 0-2 (the later n4-n6) exist so that links can be cut, but do not run yet.
        List<SimulatedNetwork.SimNode> trio = new ArrayList<>();
        for (int i = 4; i <= 6; i++) {
            trio.add(net.start("n" + i));
        }
        trio.forEach(net::crash);
        net.run(1_500);

        List<SimulatedNetwork.SimNode> fleet = new ArrayList<>();
        fleet.add(net.start("n0"));
        net.awaitTrue(() -> fleet.get(0).voters.current().size() == 1, "n0 to found lineage A alone");
        for (int i = 1; i <= 3; i++) {
            fleet.add(net.start("n" + i));
        }
        net.awaitTrue(() -> fleet.stream().allMatch(n -> n.voters.current().size() == 4), "lineage A to grow to four");
        String lineageA = fleet.get(0).voters.current().lineage();

        net.leave(fleet.get(2), 20_000);
        net.awaitTrue(() -> fleet.get(0).voters.current().size() == 3, "n2 to give its seat back");
        net.leave(fleet.get(3), 20_000);
        net.awaitTrue(() -> fleet.get(0).voters.current().size() == 2 && !fleet.get(2).up && !fleet.get(3).up,
                "n3 to give its seat back and both to stop");
        SimulatedNetwork.SimNode n0 = fleet.get(0);
        SimulatedNetwork.SimNode n1 = fleet.get(1);
        net.awaitTrue(() -> n1.voters.current().size() == 2, "n1 to learn that A has two voters");

        net.partition(List.of(List.of(0, 1, 2), List.of(3, 4, 5, 6)));
        trio.forEach(n -> net.restart(n, n.nodeId, false));
        net.awaitTrue(() -> trio.stream().allMatch(n -> n.voters.current().size() == 3), "lineage D with three voters");
        String lineageD = trio.get(0).voters.current().lineage();
        assertThat(lineageD).isNotEqualTo(lineageA);
        net.run(LEASE / MS + 1_000);
        net.hold(trio.get(0), "w");

        net.heal();
        for (int t = 0; t < 10_000 && !n1.voters.current().lineage().equals(lineageD)
                && !trio.get(0).voters.current().lineage().equals(lineageA); t += 50) {
            net.run(50);
        }
        net.run(500);
        Voters atCrash = n0.voters.current();
        net.crash(n1);
        net.run(60_000);

        CompletableFuture<Boolean> granted = trio.get(1).session.acquire("x");
        net.run(3_000);
        assertThat(granted.getNow(false)).as("a minute after one node of five crashed, the four healthy ones grant"
                + " locks again (lineage A %s, D %s; n0 knew %s at the crash, n5 knows %s now)", lineageA, lineageD,
                atCrash, trio.get(1).voters.current()).isTrue();
    }
}
