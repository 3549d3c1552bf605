package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rolling update of 3 pods at the floor of 2, one at a time, each pod
 * leaving (seatReturnBound) and coming back with its state a moment later, a little message loss.
 * After each exit the voters the others hold must have a live majority, and no two configurations of
 * one lineage and version may be learned. (From the third review of the leave change.)
 */
class RollingUpdateWithStateReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final long LEAVE_BOUND = SimulatedNetwork.seatReturnBound(LEASE, MARGIN);

    @Test
    void aRollingUpdateWithStateKeepsALiveMajorityAndOneConfigurationPerVersion() {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 2);
            net.removalDelay = 30_000 * MS;
            net.dropRate = 0.03;
            Map<String, Voters> learned = new HashMap<>();
            List<String> conflicts = new ArrayList<>();
            SimulatedNetwork.SimNode[] n = new SimulatedNetwork.SimNode[3];
            for (int i = 0; i < 3; i++) {
                n[i] = net.start("n" + i);
                net.run(50);
            }
            net.awaitTrue(() -> List.of(n).stream().allMatch(x -> x.voters.current().size() == 3), 30_000, "three");
            for (int i = 2; i >= 0; i--) {
                SimulatedNetwork.SimNode p = n[i];
                for (SimulatedNetwork.SimNode x : n) {
                    x.voters.onLearn(v -> {
                        Voters old = learned.putIfAbsent(v.lineage() + "/" + v.version(), v);
                        if (old != null && !old.ids().equals(v.ids())) {
                            conflicts.add(v.lineage() + "/" + v.version() + " " + old.ids() + " vs " + v.ids());
                        }
                    });
                }
                net.leave(p, LEAVE_BOUND);
                net.awaitTrue(() -> !p.up, 30_000, "leaver gone");
                SimulatedNetwork.SimNode other = n[(i + 1) % 3];
                Voters atExit = other.voters.current();
                long live = atExit.ids().stream().filter(id -> List.of(n).stream()
                        .anyMatch(x -> x.up && x.voters.voterId().equals(id))).count();
                if (live < atExit.majority()) {
                    failures.add("seed " + seed + " leaver n" + i + ": at exit " + atExit.nodes());
                }
                net.run(1000 + net.random.nextInt(2000));
                net.restart(p, "n" + i);
                net.run(4000 + 2 * LEASE / MS);
            }
            if (!conflicts.isEmpty()) {
                failures.add("seed " + seed + " conflicts " + conflicts);
            }
        }
        assertThat(failures).isEmpty();
    }
}
