package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Lineages now rank by resets, then by age alone ({@code Voters.yieldsTo}): the older lineage wins
 * whatever its size. A node that founded a lineage alone a moment before the rest of the fleet
 * founded theirs (a start-up race of Hazelcast discovery, or a node whose wall clock is behind)
 * takes the whole healthy cluster into its one-voter lineage when the clusters meet. Every member
 * of the three-voter cluster goes cold and resets its acknowledgements, so a healthy holder loses
 * its lease; and the fleet's voters are rebuilt from that one voter, one change per lease plus
 * margin. If the lone node crashes before two more changes committed (here right after the merge),
 * the configuration is {n3} or {n3, n0}: the survivors are no majority of it, nobody can remove n3,
 * and nothing is ever granted again, although the fleet lost one node of four and its three old
 * voters are healthy (documented: three voters tolerate the loss of one). Ranked by size first, as
 * before the last change, the lone node would have joined the three.
 *
 * <p>Here: n3 starts alone and founds lineage D; n0-n2 start cut off from it a moment later and
 * found lineage A, three voters; n0 holds w. The link heals and the clusters merge; n3 crashes for
 * good just after.
 */
class OlderLoneLineageTakeoverTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    @Test
    void aLoneNodeWhoseLineageIsOlderDoesNotStopTheClusterForGoodWhenItCrashes() {
        // Indexes 0-2 exist (so that links can be cut) but do not run yet.
        List<SimulatedNetwork.SimNode> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(net.start("n" + i));
        }
        a.forEach(net::crash);
        net.run(1_500);

        SimulatedNetwork.SimNode d = net.start("n3");
        net.awaitTrue(() -> d.voters.current().size() == 1, "n3 to found its lineage");
        String lineageD = d.voters.current().lineage();
        for (int j = 0; j < 3; j++) {
            net.cut(3, j);
        }
        net.run(1_000);
        a.forEach(n -> net.restart(n, n.nodeId, false));
        net.awaitTrue(() -> a.stream().allMatch(n -> n.voters.current().size() == 3), "lineage A with three voters");
        String lineageA = a.get(0).voters.current().lineage();
        assertThat(lineageA).isNotEqualTo(lineageD);

        net.run(LEASE / MS + 1_000);
        net.hold(a.get(0), "w");
        List<String> losses = new ArrayList<>();
        a.get(0).session.onLost("w", () -> losses.add("lost at " + net.clock.get() / MS + "ms"));

        net.heal();
        for (int t = 0; t < 10_000 && d.voters.current().lineage().equals(lineageD)
                && !a.get(0).voters.current().lineage().equals(lineageD); t += 50) {
            net.run(50);
        }
        net.run(500);
        Voters atCrash = a.get(1).voters.current();
        net.crash(d);
        net.run(60_000);

        CompletableFuture<Boolean> granted = a.get(1).session.acquire("x");
        net.run(3_000);
        assertThat(granted.getNow(false)).as("a minute after one node of four crashed, the three healthy ones grant"
                + " locks again (lineage A %s, D %s; n1 knew %s at the crash, knows %s now; n0's lease on w: %s)",
                lineageA, lineageD, atCrash, a.get(1).voters.current(), losses).isTrue();
    }
}
