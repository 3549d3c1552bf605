package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A member that joins a cluster but hears no session with voters within the bootstrap wait (4
 * renewals) founds a lineage of its own, in which it is the only voter: it grants itself every lock
 * at once, while the cluster it joined still has valid holders. The older lineage wins only when
 * the two hear each other, too late.
 */
class LineageBootstrapRaceTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    /** Asks for the worker again whenever its last request ended without it, as the engine does. */
    private static void contend(SimulatedNetwork.SimNode node, String worker, CompletableFuture<?>[] pending) {
        if (pending[0].isDone() && !node.session.holds(worker)) {
            node.session.release(worker, false);
            pending[0] = node.session.acquire(worker);
        }
    }

    private static List<String> runAndWatch(SimulatedNetwork net, SimulatedNetwork.SimNode holder,
                                            SimulatedNetwork.SimNode other, String worker, long millis) {
        List<String> both = new ArrayList<>();
        CompletableFuture<?>[] pending = {CompletableFuture.completedFuture(false)};
        for (long t = 0; t < millis; t += 10) {
            contend(other, worker, pending);
            net.run(10);
            if (holder.session.holds(worker) && other.session.holds(worker) && both.size() < 3) {
                both.add("t=" + t + "ms " + holder + " under " + holder.voters.current() + ", " + other + " under "
                        + other.voters.current());
            }
        }
        return both;
    }

    private static void hold(SimulatedNetwork net, SimulatedNetwork.SimNode node, String worker) {
        CompletableFuture<Boolean> granted = node.session.acquire(worker);
        net.run(500);
        assertThat(granted.getNow(false)).as(node + " holds " + worker).isTrue();
    }

    /**
     * The scale-out of a lone node (1 -> 2, the rolling update of every two-replica deployment), with
     * the lone node in a GC pause of one second (half the lease) right as the second node joins.
     */
    @Test
    void aNodeJoiningALoneNodeInAPauseFoundsItsOwnLineageAndTakesItsLocks() {
        SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(1000);
        hold(net, a, "w");

        SimulatedNetwork.SimNode b = net.start("b");
        a.frozen = true;
        net.later(1000 * MS, () -> a.frozen = false);
        List<String> both = runAndWatch(net, a, b, "w", 3000);

        assertThat(both).as("two valid holders of w").isEmpty();
    }

    /**
     * A node restarts under its id into a three-node cluster, and its links to the others drop
     * everything for 900 ms right after it joined (under half the lease; too short for Hazelcast to
     * notice). It hears no session within its 800 ms bootstrap wait and founds a lineage of its own.
     */
    @Test
    void aNodeRestartingIntoABriefLinkFlapFoundsItsOwnLineageAndTakesItsLocks() {
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
        hold(net, n.get(0), "w");
        net.crash(n.get(2));
        net.run(1000);

        net.restart(n.get(2), "n2");
        net.cut(2, 0);
        net.cut(2, 1);
        net.later(900 * MS, net::heal);
        List<String> both = runAndWatch(net, n.get(0), n.get(2), "w", 3000);

        assertThat(both).as("two valid holders of w").isEmpty();
    }
}
