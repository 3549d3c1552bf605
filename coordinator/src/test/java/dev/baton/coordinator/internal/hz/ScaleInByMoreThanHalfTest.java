package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Scaling in by more than half of the voters at once (k8s' StatefulSet has
 * {@code podManagementPolicy: Parallel}, so {@code kubectl scale --replicas=2} from 7 sends SIGTERM
 * to five pods together; {@code docker-compose up --scale node=1} from 5 stops four): the survivors
 * go on claiming, as every leaver is alive and answers while it gives its seat back.
 *
 * <p>Found by review s38: a member dropped a closing session that held no lock from its table at
 * once, and the voters' driver counts and calls only the voters it has a live session for. Once the
 * closing flags had spread, every member saw only the staying voters and itself (with 5 voters of
 * which 4 leave, 1 + 1 of a majority of 3; with 7 of which 5 leave, 2 + 1 of 4): no change after the
 * first was ever proposed, the leavers exited seated, and the survivors, no majority of the voters,
 * claimed nothing again until an operator reset the voters. A closing session now stays in the
 * tables, out of the balance, until it goes silent.
 */
class ScaleInByMoreThanHalfTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @ParameterizedTest(name = "{0} -> {1} at a floor of {2}")
    @CsvSource({"5, 1, 1", "7, 2, 2"})
    void theSurvivorsOfAScaleInByMoreThanHalfStillClaim(int from, int to, int floor) {
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> survivors = net.voters(to);
            List<SimulatedNetwork.SimNode> leavers = new ArrayList<>();
            for (int i = to; i < from; i++) {
                leavers.add(net.start("n" + i));
            }
            net.awaitTrue(() -> survivors.get(0).voters.current().size() == from, 120_000, from + " voters");
            net.run(3_000);

            leavers.forEach(l -> net.leave(l, SimulatedNetwork.seatReturnBound(LEASE, MARGIN)));
            net.awaitTrue(() -> leavers.stream().noneMatch(l -> l.up), 60_000, "the leavers to be gone");
            Voters atExit = survivors.get(0).voters.current();
            // Long past the removal delay of any seat left behind.
            net.run(45_000);

            if (!net.grants(survivors.get(0), "w", 3_000)) {
                stalled.add("seed " + seed + ": voters at the leavers' exit " + atExit.nodes() + ", now "
                        + survivors.get(0).voters.current().nodes());
            }
        }
        assertThat(stalled).as("survivors that claim nothing 45 s after a scale-in from %d to %d", from, to)
                .isEmpty();
    }
}
