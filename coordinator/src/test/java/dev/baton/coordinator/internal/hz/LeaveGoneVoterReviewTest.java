package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A leave removes first only a voter gone for BATON_VOTER_REMOVAL_DELAY (or a lost heir), never one
 * the leaver merely does not hear now: a voter restarting with its state, paused, or cut off from
 * the leaver alone keeps its seat, and at a floor of two the voters never end below it when removing
 * the leaver alone ([b, c]) stays at the floor. From the second review of the leave change (d6a1237
 * removed any unheard voter at once).
 */
class LeaveGoneVoterReviewTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    /** Voters [a, b, c] settled (a the oldest, so the driver); every configuration a and b learn goes to seen. */
    private static SimulatedNetwork.SimNode[] threeVoters(SimulatedNetwork net, List<Voters> seen) {
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(100);
        SimulatedNetwork.SimNode b = net.start("b");
        net.run(100);
        SimulatedNetwork.SimNode c = net.start("c");
        net.awaitTrue(() -> a.voters.current().size() == 3 && b.voters.current().size() == 3
                && c.voters.current().size() == 3, "three voters");
        net.run((LEASE + MARGIN) / MS + 1000);
        Consumer<Voters> record = seen::add;
        a.voters.onLearn(record);
        b.voters.onLearn(record);
        return new SimulatedNetwork.SimNode[] {a, b, c};
    }

    private static List<String> below(List<Voters> seen, int floor) {
        return seen.stream().filter(v -> v.size() < floor).map(v -> "v" + v.version() + " " + v.nodes()).toList();
    }

    /** What happens to a fresh network with voters [a, b, c] ({@code n}). */
    private interface Scenario {
        void run(SimulatedNetwork net, SimulatedNetwork.SimNode[] n);
    }

    /** A rolling update: c restarts with its state (3.3 s, within the 4 s removal delay) while a leaves. */
    private static final Scenario RESTART_WHILE_A_LEAVES = (net, n) -> {
        net.crash(n[2]);
        net.run(600);
        net.leave(n[0], LEASE * 4);
        net.run(2700);
        net.restart(n[2], "c");
        net.run(10_000);
    };

    /** Seeds 1-3 of {@code scenario} at {@code floor}: what each left below the floor, with every configuration seen. */
    private static List<String> belowTheFloor(int floor, Scenario scenario) {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
            List<Voters> seen = new ArrayList<>();
            scenario.run(net, threeVoters(net, seen));
            if (!below(seen, floor).isEmpty()) {
                failures.add("seed " + seed + ": " + below(seen, floor) + " of " + seen.stream().map(Voters::nodes).toList());
            }
        }
        return failures;
    }

    /** Rolling update at floor 2: c restarts with its state (3.3 s, within the 4 s removal delay) while a leaves. */
    @Test
    void aVoterRestartingWithItsStateWhileAnotherLeavesDoesNotTakeTheVotersBelowTheFloor() {
        assertThat(belowTheFloor(2, RESTART_WHILE_A_LEAVES))
                .as("configurations below the floor of two (removing a alone left [b, c])").isEmpty();
    }

    /** Floor 2: the link a-c alone is cut (c and b talk); a leaves. [b, c] was there to be had. */
    @Test
    void aLeaverThatCannotSeeOneVoterDoesNotTakeTheVotersBelowTheFloor() {
        assertThat(belowTheFloor(2, (net, n) -> {
            net.cut(0, 2);
            net.run(1500);
            net.leave(n[0], LEASE * 4);
            net.run(10_000);
        })).as("configurations below the floor of two, c alive and heard by b throughout").isEmpty();
    }

    /** Floor 2: c pauses 3.3 s (a GC pause, a stalled VM) while a leaves. */
    @Test
    void aPausedVoterWhileAnotherLeavesDoesNotTakeTheVotersBelowTheFloor() {
        assertThat(belowTheFloor(2, (net, n) -> {
            n[2].frozen = true;
            net.run(1500);
            net.leave(n[0], LEASE * 4);
            net.run(1800);
            n[2].frozen = false;
            net.run(10_000);
        })).as("configurations below the floor of two").isEmpty();
    }

    /**
     * Floor 1 (the default), plain rolling update: c, restarting with its state within the removal
     * delay while a leaves, keeps its seat (d6a1237 removed it at once, and the fleet passed through
     * a single voter [b]).
     */
    @Test
    void atTheDefaultFloorAVoterRestartingWithItsStateKeepsItsSeatWhileAnotherLeaves() {
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
            List<Voters> seen = new ArrayList<>();
            RESTART_WHILE_A_LEAVES.run(net, threeVoters(net, seen));
            List<String> withoutC = seen.stream().filter(v -> !v.nodes().contains("c"))
                    .map(v -> "v" + v.version() + " " + v.nodes()).toList();
            if (!withoutC.isEmpty()) {
                failures.add("seed " + seed + ": " + withoutC);
            }
        }
        assertThat(failures).as("configurations that dropped c within its removal delay").isEmpty();
    }
}
