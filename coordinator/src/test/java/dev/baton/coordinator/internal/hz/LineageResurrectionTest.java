package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Lineages are ranked by what their configuration is now (resets, then size, then version), and a
 * member adopts any configuration of another lineage that ranks above its own, however it hears of
 * it. The rank of a lineage is not fixed: it falls when its voters are removed. So a configuration
 * of a lineage the cluster left long ago, saved on a disk or carried by a late message, can outrank
 * the cluster's own lineage later, and every member goes back to it.
 *
 * <p>Here: nodes 0-2 form lineage A. Nodes 3-5 form lineage B apart from them (a partition while
 * they started), three voters as well. Node 5 crashes while it belongs to B; its disk keeps B's
 * configuration. The partition heals: A is further along, so nodes 3 and 4 join A and become its
 * voters. Later nodes 2, 3 and 4 leave gracefully: A has voters {0, 1}. Node 0 holds w. Node 5
 * comes back with its disk: it resumes B's configuration (three voters, of which only itself
 * still runs), announces it, and nodes 0 and 1 adopt it because three voters rank above two. Node
 * 0 loses w although it and a majority of A's voters are healthy, and nothing is ever granted
 * again: a majority of B's voters is gone for good. Nothing in the documented model (a reset is
 * needed only once a majority of the voters is lost for good) foresees this.
 */
class LineageResurrectionTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_WAIT = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    @Test
    void aResumedStateOfALineageTheClusterLeftDoesNotTakeTheClusterBackToIt() {
        List<SimulatedNetwork.SimNode> a = new ArrayList<>();
        // Started together, A's founders are all three; B's, below, too: A, the older, wins when they meet.
        for (int i = 0; i < 3; i++) {
            a.add(net.start("n" + i));
        }
        net.awaitTrue(() -> a.get(0).voters.current().size() == 3, "lineage A with three voters");
        assertThat(a.get(0).voters.current().founders()).isEqualTo(3);

        // Nodes 3-5 start cut off from nodes 0-2 (started once, killed at once, and restarted cut off).
        List<SimulatedNetwork.SimNode> b = new ArrayList<>();
        for (int i = 3; i < 6; i++) {
            b.add(net.start("n" + i));
        }
        b.forEach(net::crash);
        net.run(1_500);
        for (int i = 3; i < 6; i++) {
            for (int j = 0; j < 3; j++) {
                net.cut(i, j);
            }
        }
        b.forEach(n -> net.restart(n, n.nodeId, false));
        net.awaitTrue(() -> b.stream().allMatch(n -> n.voters.current().size() == 3), "lineage B with three voters");
        String lineageA = a.get(0).voters.current().lineage();
        String lineageB = b.get(0).voters.current().lineage();
        assertThat(lineageB).isNotEqualTo(lineageA);

        // Node 5 crashes while in B; its disk keeps B's configuration.
        SimulatedNetwork.SimNode n5 = b.get(2);
        net.crash(n5);
        net.run(1_000);
        net.heal();
        net.awaitTrue(() -> b.get(0).voters.current().lineage().equals(lineageA)
                && b.get(1).voters.current().lineage().equals(lineageA), "nodes 3 and 4 to join A");
        net.awaitTrue(() -> a.get(0).voters.current().size() == 5, "A to add nodes 3 and 4");

        // Scale in: nodes 2, 3 and 4 leave gracefully, one after the other.
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

        net.restart(n5, "n5");
        net.run(10_000);

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(a.get(0).voters.current().lineage()).as("the cluster's lineage (n0 knows %s)",
                a.get(0).voters.current()).isEqualTo(lineageA);
        soft.assertThat(losses).as("n0 and n1, A's two voters, stayed healthy").isEmpty();
        net.run(60_000);
        CompletableFuture<Boolean> granted = a.get(1).session.acquire("x");
        net.run(3_000);
        soft.assertThat(granted.getNow(false)).as("the cluster grants locks again a minute later; n1 knows %s",
                a.get(1).voters.current()).isTrue();
        soft.assertAll();
    }
}
