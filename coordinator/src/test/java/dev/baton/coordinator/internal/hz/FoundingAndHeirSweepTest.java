package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seed sweeps of the founding and of a leave whose heir is cut off from the driver, from the
 * reviews of 75b452b and 0801f92 (the lost heir's sweep is LostHeirTest's).
 */
class FoundingAndHeirSweepTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    /**
     * Floor 2, voters [driver, leaver], and a newcomer n2 whose link to the driver alone is cut: the
     * leaver adds n2 as its heir, and the driver, which never heard it, does not take it for lost
     * (it removed it, and the leaver added it again, in 94 of 300 seeds at b0bed61): no stall, n2
     * and the healthy driver keep their seats.
     */
    @Test
    void aHeirCutFromTheDriverAloneKeepsItsSeatAndTheDriverItsOwn() {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= 60; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            SimulatedNetwork.SimNode[] v = net.twoVoters("n1", "n0");
            SimulatedNetwork.SimNode driver = v[0];
            SimulatedNetwork.SimNode leaver = v[1];
            SimulatedNetwork.SimNode n2 = net.start("n2");
            net.cut(driver.index, n2.index);
            net.run(2000 + net.random.nextInt(2000));
            List<String> seen = new ArrayList<>();
            driver.voters.onLearn(x -> seen.add(x.nodes().toString()));
            net.leave(leaver, LEAVE_BOUND);
            net.awaitTrue(() -> !leaver.up, 60_000, "the leaver gone");
            net.run(5_000);
            net.heal();
            net.run(5_000);
            net.start("n3");
            net.run(40_000);
            boolean granted = net.grants(driver, "w", 3_000);
            boolean n2Removed = false;
            for (int i = 1; i < seen.size(); i++) {
                n2Removed |= seen.get(i - 1).contains("n2") && !seen.get(i).contains("n2");
            }
            if (!granted || n2Removed || seen.stream().anyMatch(c -> !c.contains("n1"))) {
                out.add("seed " + seed + (granted ? "" : " stalled") + ": changes " + seen + ", now "
                        + driver.voters.current().nodes());
            }
        }
        assertThat(out).as("stalls, n2 removed, or configurations without the driver").isEmpty();
    }

    /**
     * Nodes joining a few hundred ms apart, then within the founding's settle the oldest restarts
     * with its state, or the third freezes for good: one lineage, no fork, and leases granted.
     */
    @Test
    void theFoundingSurvivesTheOldestRestartingOrANodeFreezingWithinTheSettle() {
        List<String> out = new ArrayList<>();
        for (long seed = 1; seed <= 50; seed++) {
            for (int kind = 0; kind < 2; kind++) {
                SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
                net.bootstrapSettle = 300 * MS;
                List<String> hist = new ArrayList<>();
                SimulatedNetwork.Forks forks = new SimulatedNetwork.Forks();
                SimulatedNetwork.SimNode a = net.start("a");
                forks.watch(a);
                long t0 = net.clock.get();
                a.voters.onLearn(v -> hist.add((net.clock.get() - t0) / MS + "ms " + v.nodes() + " " + v.ids()));
                net.run(net.random.nextInt(200));
                SimulatedNetwork.SimNode b = net.start("b");
                forks.watch(b);
                net.run(net.random.nextInt(400));
                SimulatedNetwork.SimNode c = net.start("c");
                forks.watch(c);
                net.run(net.random.nextInt(400));
                if (kind == 0) {
                    net.crash(a);
                    net.run(500 + net.random.nextInt(300));
                    net.restart(a, "a");
                    forks.watch(a);
                } else {
                    c.frozen = true; // dies without its connections closing
                }
                net.run(20_000);
                SimulatedNetwork.SimNode probe = kind == 0 ? b : a;
                boolean ok = net.grants(probe, "w", 3_000);
                Set<String> lineages = new HashSet<>();
                for (SimulatedNetwork.SimNode n : net.nodes) {
                    if (n.healthy()) {
                        lineages.add(n.voters.current().lineage());
                    }
                }
                if (!ok || lineages.size() > 1 || !forks.found.isEmpty()) {
                    out.add("seed " + seed + " kind " + kind + ": grants " + ok + " lineages " + lineages.size()
                            + " forks " + forks.found + " voters " + probe.voters.current().ids() + " hist " + hist
                            + " b=" + b.voters.voterId() + " c=" + c.voters.voterId());
                }
            }
        }
        assertThat(out).isEmpty();
    }
}
