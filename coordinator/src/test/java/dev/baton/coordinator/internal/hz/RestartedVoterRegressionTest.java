package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A voter's knowledge of the configuration lives only in its process. A voter restarted under its
 * id starts with no configuration and adopts whatever it hears first; if it comes back on the side
 * of a partition that holds a stale member, it adopts the stale configuration, and together with
 * that member forms a majority of it, while the other side holds a majority of the newer one.
 */
class RestartedVoterRegressionTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    private final java.util.Map<Long, List<String>> idsByVersion = new java.util.HashMap<>();
    private final List<String> forks = new ArrayList<>();

    /** Remembers every configuration any node knows, by version: two different ones of one version are a fork. */
    private void watchVoters() {
        for (SimulatedNetwork.SimNode node : net.nodes) {
            Voters v = node.voters.current();
            List<String> known = v.isNone() ? null : idsByVersion.putIfAbsent(v.version(), v.ids());
            if (known != null && !known.equals(v.ids()) && forks.size() < 1) {
                forks.add("version " + v.version() + ": " + known + " and " + v.ids());
            }
        }
    }

    private void runUntil(java.util.function.BooleanSupplier done, long maxMillis, String what) {
        for (long t = 0; t <= maxMillis; t += 50) {
            if (done.getAsBoolean()) {
                return;
            }
            net.run(50);
            watchVoters();
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static void contend(SimulatedNetwork.SimNode node, String worker, List<CompletableFuture<Boolean>> pending,
                                int i) {
        if (pending.get(i).isDone() && !node.session.holds(worker)) {
            node.session.release(worker, false);
            pending.set(i, node.session.acquire(worker));
        }
    }

    /**
     * Voters {n0, n1, n2}. n0 is cut off; on the other side n3 and n4 join and become voters (and n0
     * is removed after the delay), so that {n2, n3, n4} is a majority of the newest configuration.
     * Then n1 crashes and its restarted process can reach only n0 (a partial partition): it learns
     * n0's stale configuration {n0, n1, n2}, of which n0 and n1 are a majority. n0 and n1 then grant w
     * while {n2, n3, n4} grant it too, and n0 removes n2 by a majority of the stale configuration:
     * a second configuration of a version the other side already used.
     */
    @Test
    void aVoterRestartedIntoAStaleSideOfAPartitionAdoptsTheStaleConfiguration() {
        List<SimulatedNetwork.SimNode> n = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            n.add(net.start("n" + i));
            net.run(100);
        }
        runUntil(() -> n.get(0).voters.current().size() == 3, 20_000, "three voters");

        // n0 is cut off from everyone, including the nodes that join later (indexes 3 and 4).
        net.cut(0, 1);
        net.cut(0, 2);
        n.get(0).cutFrom.addAll(Set.of(3, 4));
        n.add(net.start("n3"));
        n.add(net.start("n4"));
        runUntil(() -> n.get(2).voters.current().nodes().equals(List.of("n1", "n2", "n3", "n4")), 30_000,
                "n3 and n4 to join the voters and n0 to be removed");

        // n1 crashes; its restarted process reaches n0 only.
        net.crash(n.get(1));
        net.run(1000);
        watchVoters();
        n.get(0).cutFrom.remove(1);
        n.get(1).cutFrom.clear();
        n.get(1).cutFrom.addAll(Set.of(2, 3, 4));
        for (int i = 2; i <= 4; i++) {
            n.get(i).cutFrom.add(1);
        }
        net.restart(n.get(1), "n1");

        List<CompletableFuture<Boolean>> pending = new ArrayList<>(List.of(CompletableFuture.completedFuture(false),
                CompletableFuture.completedFuture(false)));
        List<String> both = new ArrayList<>();
        for (int t = 0; t < 10_000; t += 10) {
            contend(n.get(0), "w", pending, 0);
            contend(n.get(2), "w", pending, 1);
            net.run(10);
            if (n.get(0).session.holds("w") && n.get(2).session.holds("w") && both.size() < 3) {
                both.add("t=" + t + "ms: n0 under " + n.get(0).voters.current() + " (n1 under "
                        + n.get(1).voters.current() + "), n2 under " + n.get(2).voters.current());
            }
            watchVoters();
        }

        assertThat(both).as("two valid holders of w").isEmpty();
        assertThat(forks).as("two configurations of one version").isEmpty();
    }
}
