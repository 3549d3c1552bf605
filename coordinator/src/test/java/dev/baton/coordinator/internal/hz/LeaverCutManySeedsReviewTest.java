package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Review of 0b5b6c5: the leaver cut from the stayers at its removal (from the review of d848128) over more seeds, with two or three
 * voters and a floor of 1 or 2. The leaver's removal is the last change; every learn to the others
 * is lost, and the leaver's links to the others are cut for 1.5 s as it sees its removal committed.
 * Afterwards a newcomer joins; every staying voter must grant.
 */
class LeaverCutManySeedsReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    @ParameterizedTest
    @CsvSource({"2,1", "2,2", "3,1", "3,2"})
    void theStayersLearnTheLeaversRemovalAfterAShortCut(int size, int floor) {
        int seeds = Integer.getInteger("baton.leavercut.seeds", 40);
        List<String> stalled = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            net.removalDelay = 30_000 * MS;
            List<SimulatedNetwork.SimNode> v = net.voters(size);
            SimulatedNetwork.SimNode leaver = v.get(size - 1);
            List<SimulatedNetwork.SimNode> stay = v.subList(0, size - 1);
            net.run((LEASE + MARGIN) / MS + 500);
            net.dropVoters = (to, request) -> to != leaver && request.kind == VotersRequest.Kind.LEARN;
            net.leave(leaver, SimulatedNetwork.seatReturnBound(LEASE, MARGIN));
            boolean cut = false;
            for (int t = 0; t < 60_000 && leaver.up; t += 5) {
                if (!cut && !leaver.voters.current().contains(leaver.voters.voterId())) {
                    cut = true;
                    stay.forEach(s -> net.cut(s.index, leaver.index));
                    net.later(1500 * MS, net::heal);
                }
                net.run(5);
            }
            net.dropVoters = (to, request) -> false;
            net.run(10_000);
            net.start("n9");
            net.run(40_000);
            for (SimulatedNetwork.SimNode s : stay) {
                if (!net.grants(s, "w" + s.index, 3_000)) {
                    stalled.add("seed " + seed + ": " + s + " on " + s.voters.current().nodes());
                }
            }
        }
        assertThat(stalled).as("a staying voter grants nothing after the leave").isEmpty();
    }
}
