package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * LineageResurrectionTest with the stale node cut off instead of down. A rank that can fall (the
 * size now, tried in 8b09385 and reverted) lets a configuration of a lineage the cluster left
 * outrank the cluster's own later: a process that was cut off all along keeps that configuration
 * in memory and shows it to everyone the moment the link heals, and the healthy cluster would move
 * into a lineage whose other voters left long ago. Ranked by peak, a rank that only grows, the
 * lineage that won once wins again.
 *
 * <p>Here: nodes 0-2 form lineage A, nodes 3-5 form lineage B apart from them. Node 5 is cut off
 * from everyone while it belongs to B. Nodes 3 and 4 meet A and join it (A is older); then nodes 2,
 * 3 and 4 leave gracefully: A has voters {0, 1}, and n0 holds w. Node 5's link heals: it still knows
 * B with three voters, which outranks A's two.
 */
class PartitionedLineageResurrectionTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_WAIT = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    private void isolate(int node) {
        for (int i = 0; i < net.nodes.size(); i++) {
            if (i != node) {
                net.cut(node, i);
            }
        }
    }

    @Test
    void aNodeCutOffWhileItsLineageWasLeftDoesNotTakeTheClusterBackToItWhenItsLinkHeals() {
        List<SimulatedNetwork.SimNode> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(net.start("n" + i));
        }
        net.awaitTrue(() -> a.get(0).voters.current().size() == 3, "lineage A with three voters");

        List<SimulatedNetwork.SimNode> b = new ArrayList<>();
        for (int i = 3; i < 6; i++) {
            b.add(net.start("n" + i));
        }
        b.forEach(net::crash);
        net.run(1_500);
        net.partition(List.of(List.of(0, 1, 2), List.of(3, 4, 5)));
        b.forEach(n -> net.restart(n, n.nodeId, false));
        net.awaitTrue(() -> b.stream().allMatch(n -> n.voters.current().size() == 3), "lineage B with three voters");
        String lineageA = a.get(0).voters.current().lineage();
        String lineageB = b.get(0).voters.current().lineage();
        assertThat(lineageB).isNotEqualTo(lineageA);

        // Node 5 is cut off from everyone while in B; the others' network heals.
        SimulatedNetwork.SimNode n5 = b.get(2);
        net.heal();
        isolate(5);
        net.awaitTrue(() -> b.get(0).voters.current().lineage().equals(lineageA)
                && b.get(1).voters.current().lineage().equals(lineageA), "nodes 3 and 4 to join A");
        net.awaitTrue(() -> a.get(0).voters.current().size() == 5, "A to add nodes 3 and 4");

        for (SimulatedNetwork.SimNode leaving : List.of(a.get(2), b.get(0), b.get(1))) {
            net.leave(leaving, LEAVE_WAIT);
            net.awaitTrue(() -> !leaving.up, leaving + " to leave");
        }
        net.awaitTrue(() -> a.get(0).voters.current().size() == 2 && a.get(1).voters.current().size() == 2,
                "A with voters n0 and n1");
        net.run(LEASE / MS + 1_000);
        List<String> losses = new ArrayList<>();
        net.hold(a.get(0), "w");
        a.get(0).session.onLost("w", () -> losses.add("lost at " + net.clock.get() / MS + "ms"));
        Voters n5Knows = n5.voters.current();

        net.heal();
        net.run(10_000);

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(a.get(0).voters.current().lineage()).as("the cluster's lineage (n0 knows %s; n5 knew %s"
                + " when its link healed)", a.get(0).voters.current(), n5Knows).isEqualTo(lineageA);
        soft.assertThat(losses).as("n0 and n1, A's two voters, stayed healthy").isEmpty();
        net.run(60_000);
        CompletableFuture<Boolean> granted = a.get(1).session.acquire("x");
        net.run(3_000);
        soft.assertThat(granted.getNow(false)).as("the cluster grants locks again a minute later; n1 knows %s",
                a.get(1).voters.current()).isTrue();
        soft.assertAll();
    }
}
