package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review of 0b5b6c5: with two or three voters, every acceptor of a change now learns it when it
 * accepts, before its proposer. A node that stays, holding a lease throughout, must not lose it
 * while voters leave (their own removals, proposed by the leaver) and newcomers join one after
 * another, with a floor of 1 or 2, messages reordered (0-60 ms) and some voters requests applied
 * again up to 3 s late.
 */
class LeaseThroughEarlyLearnedChangesReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aStayerKeepsItsLeaseThroughLeavesAndJoins(int floor) {
        List<String> lost = new ArrayList<>();
        for (long seed = 1; seed <= Integer.getInteger("baton.earlylearn.seeds", 30); seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            net.maxDelay = 60 * MS;
            net.duplicateRate = 0.3;
            net.duplicateDelay = 3000 * MS;
            List<SimulatedNetwork.SimNode> v = net.voters(3);
            SimulatedNetwork.SimNode stayer = v.get(0);
            net.run((LEASE + MARGIN) / MS + 500);
            net.hold(stayer, "w");
            long s = seed;
            stayer.session.onLost("w", () -> lost.add("seed " + s + " at " + net.clock.get() / MS + " ms, voters "
                    + stayer.voters.current().nodes()));
            long before = stayer.voters.current().version();
            int id = 10;
            for (int round = 0; round < 3; round++) {
                SimulatedNetwork.SimNode leaver = net.nodes.stream().filter(n -> n.up && n != stayer && !n.leaving)
                        .reduce((a, b) -> b).orElseThrow();
                net.leave(leaver, SimulatedNetwork.seatReturnBound(LEASE, MARGIN));
                net.run(12_000);
                net.start("n" + id++);
                net.run(8_000);
            }
            assertThat(stayer.voters.current().version() - before).as("changes made, seed %s", seed)
                    .isGreaterThanOrEqualTo(5);
            assertThat(stayer.session.holds("w")).as("still held, seed %s", seed).isTrue();
        }
        assertThat(lost).as("the stayer's lease lost while it and a quorum are healthy").isEmpty();
    }
}
