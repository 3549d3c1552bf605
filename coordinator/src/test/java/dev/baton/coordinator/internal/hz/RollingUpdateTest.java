package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A rolling update of 3 pods at the floor of 2, one pod at a time, each coming back a moment after
 * its old process ended, with a little message loss: no two configurations of one lineage and version
 * are ever learned, and the fleet keeps granting leases.
 */
class RollingUpdateTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    private static SimulatedNetwork network(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
        net.removalDelay = 30_000 * MS;
        net.dropRate = 0.03;
        return net;
    }

    /** Each pod leaves gracefully and comes back with its state: at each exit, the voters left have a live majority. */
    @Test
    void aRollingUpdateWithStateKeepsALiveMajorityAndOneConfigurationPerVersion() {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            SimulatedNetwork net = network(seed);
            SimulatedNetwork.Forks forks = new SimulatedNetwork.Forks();
            List<SimulatedNetwork.SimNode> n = net.voters(3);
            n.forEach(forks::watch);
            for (int i = 2; i >= 0; i--) {
                SimulatedNetwork.SimNode p = n.get(i);
                net.leave(p, LEAVE_BOUND);
                net.awaitTrue(() -> !p.up, 30_000, "leaver gone");
                Voters atExit = n.get((i + 1) % 3).voters.current();
                long live = atExit.ids().stream().filter(id -> n.stream()
                        .anyMatch(x -> x.up && x.voters.voterId().equals(id))).count();
                if (live < atExit.majority()) {
                    failures.add("seed " + seed + " leaver n" + i + ": at exit " + atExit.nodes());
                }
                net.run(1000 + net.random.nextInt(2000));
                net.restart(p, "n" + i);
                forks.watch(p);
                net.run(4000 + 2 * LEASE / MS);
            }
            if (!forks.found.isEmpty()) {
                failures.add("seed " + seed + " forks " + forks.found);
            }
        }
        assertThat(failures).isEmpty();
    }

    /**
     * Each pod comes back without its state (an emptyDir lost), after leaving gracefully or being
     * killed (its grace exceeded): a new voter replaces its old seat each time.
     */
    @ParameterizedTest(name = "graceful {0}")
    @ValueSource(booleans = {true, false})
    void aRollingUpdateWithoutStateNeitherForksNorStalls(boolean graceful) {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 10; seed++) {
            SimulatedNetwork net = network(seed);
            SimulatedNetwork.Forks forks = new SimulatedNetwork.Forks();
            List<SimulatedNetwork.SimNode> n = net.voters(3);
            net.run((LEASE + MARGIN) / MS + 500);
            n.forEach(forks::watch);
            for (int i = 2; i >= 0; i--) {
                SimulatedNetwork.SimNode p = n.get(i);
                if (graceful) {
                    net.leave(p, LEAVE_BOUND);
                    net.awaitTrue(() -> !p.up, 30_000, "leaver gone");
                } else {
                    net.crash(p);
                }
                net.run(1000 + net.random.nextInt(2000));
                net.restart(p, "n" + i, false);
                forks.watch(p);
                net.run(4000 + 2 * LEASE / MS);
            }
            net.run(10_000);
            if (!forks.found.isEmpty()) {
                failures.add("seed " + seed + " forks " + forks.found);
            }
            if (!net.grants(n.get(0), "w", 3_000)) {
                failures.add("seed " + seed + " stalled at " + n.get(0).voters.current().nodes());
            }
        }
        assertThat(failures).isEmpty();
    }
}
