package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A voter is a node id, and a process that starts under a voter's id counts as that voter once its
 * warm-up has passed, whether or not the earlier process is dead. The warm-up assumes it is: a
 * replacement started while the earlier process is only cut off (an orchestrator rescheduling a pod
 * of an unreachable host, an operator restarting a "dead" node) gives that voter two voices, one
 * on each side of the partition.
 */
class DuplicateNodeIdTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    /**
     * Voters {n0, n1, n2}; n1 is cut off from n0 and n2, and a second process named n2 starts on n1's
     * side. {n0, n2} and {n1, n2'} are both majorities.
     */
    @Test
    void aReplacementStartedUnderTheIdOfAVoterThatIsOnlyCutOffGivesItAVoiceOnBothSides() {
        SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);
        List<SimulatedNetwork.SimNode> n = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            n.add(net.start("n" + i));
            net.run(100);
        }
        for (int t = 0; t < 20_000 && n.get(0).voters.current().size() < 3; t += 100) {
            net.run(100);
        }
        assertThat(n.get(0).voters.current().nodes()).containsExactly("n0", "n1", "n2");
        CompletableFuture<Boolean> held = n.get(0).session.acquire("w");
        net.run(500);
        assertThat(held.getNow(false)).isTrue();

        net.cut(1, 0);
        net.cut(1, 2);
        // The replacement (index 3) can reach n1 only.
        n.get(0).cutFrom.add(3);
        n.get(2).cutFrom.add(3);
        SimulatedNetwork.SimNode replacement = net.start("n2");

        CompletableFuture<Boolean> pending = CompletableFuture.completedFuture(false);
        List<String> both = new ArrayList<>();
        for (int t = 0; t < 8_000; t += 10) {
            if (pending.isDone() && !n.get(1).session.holds("w")) {
                n.get(1).session.release("w", false);
                pending = n.get(1).session.acquire("w");
            }
            net.run(10);
            if (n.get(0).session.holds("w") && n.get(1).session.holds("w") && both.size() < 3) {
                both.add("t=" + t + "ms: n0 (with " + n.get(2) + ") and n1 (with " + replacement + ") under "
                        + n.get(1).voters.current());
            }
        }

        assertThat(both).as("two valid holders of w").isEmpty();
    }
}
