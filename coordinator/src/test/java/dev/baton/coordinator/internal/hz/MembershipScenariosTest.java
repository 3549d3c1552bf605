package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The membership changes that broke the first lease protocol, one by one: a join to a lone node,
 * a member rejoining after a partition, a slow member during a hand-over, splits that leave no
 * majority, and scaling out and back in. A healthy holder must keep its lease through each, and
 * a side without a majority of the voters must not get one.
 */
class MembershipScenariosTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    private final SimulatedNetwork net = new SimulatedNetwork(7, LEASE, MARGIN, 1);

    /** Keeps asking for {@code worker} on {@code node} until it holds it, and records every loss. */
    private static final class Holder {
        final SimulatedNetwork.SimNode node;
        final String worker;
        final List<String> losses = new ArrayList<>();

        Holder(SimulatedNetwork.SimNode node, String worker) {
            this.node = node;
            this.worker = worker;
        }
    }

    private Holder hold(SimulatedNetwork.SimNode node, String worker) {
        Holder h = new Holder(node, worker);
        net.awaitTrue(() -> {
            if (node.session.holds(worker)) {
                return true;
            }
            node.session.release(worker, false);
            CompletableFuture<Boolean> granted = node.session.acquire(worker);
            net.run(100);
            return granted.getNow(false);
        }, 20_000, node + " to get " + worker);
        node.session.onLost(worker, () -> h.losses.add("lost at " + net.clock.get() / MS + "ms"));
        return h;
    }

    /** Asks for a worker again whenever its last request ended without it, as a node's engine does. */
    private static final class Contender {
        final SimulatedNetwork.SimNode node;
        final String worker;
        CompletableFuture<Boolean> pending = CompletableFuture.completedFuture(false);

        Contender(SimulatedNetwork.SimNode node, String worker) {
            this.node = node;
            this.worker = worker;
        }

        void step() {
            if (pending.isDone() && !node.session.holds(worker)) {
                node.session.release(worker, false);
                pending = node.session.acquire(worker);
            }
        }
    }

    private void awaitVoters(int count) {
        net.awaitTrue(() -> net.nodes.stream().filter(n -> n.up)
                .allMatch(n -> n.voters.current().size() == count), 60_000, count + " voters everywhere");
    }

    private boolean acquires(SimulatedNetwork.SimNode node, String worker) {
        return net.grants(node, worker, LEASE / MS);
    }

    @Test
    void aSecondNodeJoiningALoneNodeCostsItNothingAndBecomesAVoter() {
        SimulatedNetwork.SimNode a = net.start("a");
        net.run(1000);
        Holder w = hold(a, "w");

        net.start("b");
        net.run(10_000);

        assertThat(w.losses).isEmpty();
        assertThat(a.session.holds("w")).isTrue();
        assertThat(a.voters.current().nodes()).containsExactly("a", "b");
    }

    @Test
    void aNodeRejoiningAfterAPartitionCostsTheHealthySideNothing() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        hold(n.get(2), "w");
        Holder v = hold(n.get(1), "v");

        // Node 2 is cut off while it holds w: its lock ends, the majority gives w to node 0. When the
        // partition heals, node 2's table still records its own expired session as w's holder.
        for (int i = 0; i < 2; i++) {
            net.cut(2, i);
        }
        net.run(LEASE / MS + MARGIN / MS + 100);
        Holder w = hold(n.get(0), "w");
        net.heal();
        net.run(10_000);

        assertThat(w.losses).as("node 2's stale refusal must not end node 0's lock").isEmpty();
        assertThat(v.losses).isEmpty();
        assertThat(n.get(0).session.holds("w")).isTrue();
        assertThat(acquires(n.get(2), "x")).as("the merged node takes part again").isTrue();
    }

    @Test
    void aFrozenNodeThawingCostsTheOthersNothing() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        Holder w = hold(n.get(0), "w");

        n.get(2).frozen = true;
        net.run(8_000);
        n.get(2).frozen = false;
        net.run(10_000);

        assertThat(w.losses).isEmpty();
    }

    @Test
    void aSlowThirdMemberDuringAHandOverCostsTheNewHolderNothing() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        Holder x = hold(n.get(0), "w");
        // Node 0's release reaches node 2 late: it still records node 0 as the holder when node 1 asks.
        net.maxDelay = 5 * MS;
        net.slowLink(0, 2, LEASE / 2);
        n.get(0).session.release("w", false);
        net.run(30);
        Holder y = hold(n.get(1), "w");
        assertThat(n.get(2).table.holder("w")).as("node 2 has not heard the release yet").contains("n0");
        net.run(5_000);

        assertThat(x.losses).isEmpty();
        assertThat(y.losses).as("node 2's late refusal must not end a lock a quorum confirmed").isEmpty();
        assertThat(n.get(1).session.holds("w")).isTrue();
    }

    @Test
    void aTwoTwoSplitLeavesNeitherSideAMajority() {
        List<SimulatedNetwork.SimNode> n = net.voters(4);
        Holder w = hold(n.get(0), "w");

        net.partition(List.of(List.of(0, 1), List.of(2, 3)));
        net.run(LEASE / MS + 500);

        assertThat(n.get(0).session.holds("w")).as("the holder stops with its side").isFalse();
        assertThat(w.losses).hasSize(1);
        assertThat(acquires(n.get(1), "v")).isFalse();
        assertThat(acquires(n.get(2), "v")).isFalse();
        assertThat(acquires(n.get(3), "w")).isFalse();
        net.run(8_000);
        assertThat(acquires(n.get(2), "v")).as("still nothing after the voter removal delay").isFalse();

        net.heal();
        net.run(8_000);
        assertThat(acquires(n.get(3), "w")).as("healed").isTrue();
    }

    @Test
    void aTwoThreeSplitKeepsTheLargerSideRunningAndStopsTheSmaller() {
        List<SimulatedNetwork.SimNode> n = net.voters(5);
        Holder big = hold(n.get(0), "w");
        Holder small = hold(n.get(4), "v");

        net.partition(List.of(List.of(0, 1, 2), List.of(3, 4)));
        net.run(LEASE / MS + 500);

        assertThat(big.losses).isEmpty();
        assertThat(small.losses).hasSize(1);
        assertThat(acquires(n.get(1), "v")).as("the larger side takes the smaller side's worker").isTrue();
        assertThat(acquires(n.get(3), "x")).isFalse();
        net.run(10_000);
        assertThat(n.get(0).voters.current().nodes()).as("the lost voters are removed after the delay")
                .containsExactly("n0", "n1", "n2");
        assertThat(acquires(n.get(3), "x")).as("the smaller side still gets nothing").isFalse();

        net.heal();
        net.run(20_000);
        assertThat(big.losses).isEmpty();
        awaitVoters(5);
    }

    @Test
    void scalingOutToFiveAndBackToThreeKeepsEveryLease() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        Holder w = hold(n.get(0), "w");
        Holder v = hold(n.get(2), "v");

        SimulatedNetwork.SimNode d = net.start("n3");
        SimulatedNetwork.SimNode e = net.start("n4");
        awaitVoters(5);
        net.leave(d, LEASE * 4);
        net.leave(e, LEASE * 4);
        net.awaitTrue(() -> !d.up && !e.up, 30_000, "both to leave");
        awaitVoters(3);
        net.run(5_000);

        assertThat(w.losses).isEmpty();
        assertThat(v.losses).isEmpty();
        assertThat(n.get(0).voters.current().nodes()).containsExactly("n0", "n1", "n2");
    }

    @Test
    void aCrashedVoterRestartedUnderItsIdTakesItsSeatBackWithoutCostingTheOthers() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        Holder w = hold(n.get(0), "w");

        net.crash(n.get(2));
        net.run(1_000);
        net.restart(n.get(2), "n2");
        net.run(10_000);

        assertThat(w.losses).isEmpty();
        assertThat(n.get(0).voters.current().nodes()).containsExactly("n0", "n1", "n2");
        assertThat(acquires(n.get(2), "x")).isTrue();
    }

    /**
     * A node killed, restarted without its state (a new voter) and killed again once the others
     * started replacing its seat: only one node was ever down at a time, so the other two keep a
     * majority of every configuration the replacement passes through. Adding the new process before
     * removing the old seat made four voters, three of them needed, and the second kill left two.
     */
    @Test
    void aNodeRestartedWithoutItsStateAndKilledAgainLeavesTheOtherTwoRunning() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        Holder w = hold(n.get(0), "w");
        List<String> original = n.get(0).voters.current().ids();

        net.crash(n.get(1));
        net.run(1_000);
        net.restart(n.get(1), "n1", false);
        net.awaitTrue(() -> !n.get(0).voters.current().ids().equals(original), 30_000,
                "the others to start replacing n1's seat");
        net.crash(n.get(1));
        net.run(3 * LEASE / MS);

        assertThat(w.losses).as("n0's lease through both kills").isEmpty();
        assertThat(acquires(n.get(2), "x")).as("n2 still gets a lease").isTrue();
    }

    /**
     * The same at a floor of three with four voters: removing the old seat first would make three
     * voters with a quorum of three (the floor binds), and a crash of n2 before n1's new process comes
     * in would end every lease. So there the new process comes in first: five voters, four live, a
     * quorum of three, and n2's crash costs no lease.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 11, 23})
    void atAFloorOfThreeANodeBackWithoutItsStateComesInFirstSoASecondCrashEndsNoLease(long seed) {
        SimulatedNetwork floorOfThree = new SimulatedNetwork(seed, LEASE, MARGIN, 3);
        List<SimulatedNetwork.SimNode> n = floorOfThree.voters(4);
        floorOfThree.run((LEASE + MARGIN) / MS + 500);
        floorOfThree.hold(n.get(0), "w");
        floorOfThree.hold(n.get(3), "v");
        List<String> losses = new ArrayList<>();
        n.get(0).session.onLost("w", () -> losses.add("n0 lost w at " + floorOfThree.clock.get() / MS + " ms"));
        n.get(3).session.onLost("v", () -> losses.add("n3 lost v at " + floorOfThree.clock.get() / MS + " ms"));
        List<String> before = n.get(0).voters.current().ids();

        floorOfThree.crash(n.get(1));
        floorOfThree.run(1_000);
        floorOfThree.restart(n.get(1), "n1", false);
        floorOfThree.awaitTrue(() -> !n.get(0).voters.current().ids().equals(before), 30_000, "the first change");
        Voters first = n.get(0).voters.current();
        floorOfThree.crash(n.get(2));
        floorOfThree.run(3 * (LEASE + MARGIN) / MS);

        assertThat(losses).as("one crash at a time, first change " + first.nodes()).isEmpty();
    }

    /**
     * A node drained while another pod comes back without its state: n2 is killed and restarted as a
     * new process, and n0 starts leaving before any change could take n2's old seat (a change waits a
     * lease and margin after the one before). Taking itself out first, n0 left {n1, n2 dead}: two
     * voters, one of them dead, no majority to change anything, so nobody got a lease again. The dead
     * seat goes first, as the driver would take it.
     */
    @ParameterizedTest(name = "floor {0}")
    @ValueSource(ints = {1, 2})
    void aVoterLeavingWhileAnotherNodeIsBackWithoutItsStateTakesTheDeadSeatOutFirst(int floor) {
        SimulatedNetwork sim = new SimulatedNetwork(7, LEASE, MARGIN, floor);
        List<SimulatedNetwork.SimNode> n = sim.voters(3);
        String oldN2 = n.get(2).voters.voterId();

        sim.crash(n.get(2));
        sim.run(600);
        sim.restart(n.get(2), "n2", false);
        sim.run(400);
        assertThat(n.get(0).voters.changeAllowed()).as("n0 may not change the voters yet").isFalse();
        sim.leave(n.get(0), SimulatedNetwork.seatReturnBound(LEASE, MARGIN));
        sim.awaitTrue(() -> !n.get(0).up, 30_000, "n0 to give its seat back and exit");
        sim.run(3 * (LEASE + MARGIN) / MS);

        assertThat(sim.grants(n.get(1), "x", LEASE / MS)).as("n1 gets a lease").isTrue();
        assertThat(sim.grants(n.get(2), "y", LEASE / MS)).as("n2's new process gets a lease").isTrue();
        assertThat(n.get(1).voters.current().ids()).as("the voters n1 knows").doesNotContain(oldN2);
    }

    /**
     * Node 0 holds w with the support of itself and node 2 (node 1 cannot hear node 0). Node 2 crashes and
     * restarts at once under the same id: its new table knows nothing of node 0's lock. Its answers must not
     * count before a lease and a margin have passed, or node 1 would get w with nodes 1 and 2 while node 0
     * still holds it.
     */
    @Test
    void aVoterRestartedAtOnceCountsOnlyAfterItsPreviousLifesLeasesEnded() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        net.cut(0, 1);
        net.run(200);
        Holder w = hold(n.get(0), "w");
        List<String> both = new ArrayList<>();

        net.crash(n.get(2));
        net.run(5);
        net.restart(n.get(2), "n2");
        Contender y = new Contender(n.get(1), "w");
        for (int t = 0; t < 6_000; t += 10) {
            y.step();
            net.run(10);
            if (n.get(0).session.holds("w") && n.get(1).session.holds("w")) {
                both.add("t=" + t);
            }
        }

        assertThat(both).as("two holders of w").isEmpty();
        assertThat(w.losses).as("node 0 loses w: its support was node 2's old life").hasSize(1);
        assertThat(n.get(1).session.holds("w")).as("then node 1 gets it").isTrue();
    }

    /**
     * Node 1 holds w with nodes 0 and 1 of voters {0, 1, 2}; nodes 2, 3 and 4 cannot hear node 1. Node 0,
     * the oldest, adds nodes 3 and 4 one after the other. A majority of {0..4} without nodes 0 and 1
     * exists ({2, 3, 4}), so the second change must wait until node 1's lock, which rests on the first
     * configuration, has ended: else node 2 would get w from nodes 2, 3 and 4.
     */
    @Test
    void twoChangesOfTheVotersNeverLetAStaleMajorityAndANewOneBothHoldALock() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        net.cut(1, 2);
        net.run(200);
        Holder w = hold(n.get(1), "w");
        List<String> both = new ArrayList<>();
        SimulatedNetwork.SimNode d = net.start("n3");
        SimulatedNetwork.SimNode e = net.start("n4");
        net.cut(1, d.index);
        net.cut(1, e.index);
        Contender c = new Contender(n.get(2), "w");
        long firstChange = n.get(0).voters.current().version() + 1;
        boolean slowed = false;
        for (int t = 0; t < 15_000; t += 10) {
            if (!slowed && n.get(1).voters.current().version() == firstChange) {
                // Node 1 learned the first change; news of the second reaches it only a lease later.
                net.slowLink(0, 1, LEASE);
                slowed = true;
            }
            c.step();
            net.run(10);
            if (n.get(1).session.holds("w") && n.get(2).session.holds("w")) {
                both.add("t=" + t);
            }
        }

        assertThat(both).as("two holders of w").isEmpty();
        assertThat(w.losses).as("node 1 lost w once it had no majority of the new voters").hasSize(1);
        assertThat(n.get(0).voters.current().nodes()).containsExactly("n0", "n1", "n2", "n3", "n4");
        assertThat(n.get(2).session.holds("w")).isTrue();
    }

    /**
     * A node that starts while cut off from the cluster, without any state of an earlier life, cannot
     * know the cluster exists: it founds its own. With a floor of two (BATON_MIN_CLUSTER_SIZE=2) it runs
     * nothing alone.
     */
    @Test
    void aNodeStartingCutOffRunsNothingWithAFloorOfTwo() {
        SimulatedNetwork floored = new SimulatedNetwork(3, LEASE, MARGIN, 2);
        for (int i = 0; i < 3; i++) {
            floored.start("n" + i);
            floored.run(100);
        }
        floored.run(3_000);
        SimulatedNetwork.SimNode lone = floored.nodes.get(2);
        floored.crash(lone);
        floored.run(500);
        for (int i = 0; i < 2; i++) {
            floored.cut(2, i);
        }
        floored.restart(lone, "n2", false);
        floored.run(5_000);
        CompletableFuture<Boolean> granted = lone.session.acquire("w");
        floored.run(3_000);

        assertThat(lone.voters.current().nodes()).containsExactly("n2");
        assertThat(granted.getNow(false)).isFalse();
        assertThat(lone.session.holds("w")).isFalse();
    }

    /** With its voter state, a node that restarts cut off knows its cluster: it founds none and runs nothing, floor or not. */
    @Test
    void aNodeRestartingCutOffWithItsStateRunsNothingEvenWithoutAFloor() {
        List<SimulatedNetwork.SimNode> n = net.voters(3);
        SimulatedNetwork.SimNode lone = n.get(2);
        Voters known = lone.voters.current();
        net.crash(lone);
        net.run(500);
        net.cut(2, 0);
        net.cut(2, 1);
        net.restart(lone, "n2");
        net.run(5_000);
        CompletableFuture<Boolean> granted = lone.session.acquire("w");
        net.run(3_000);

        assertThat(lone.voters.current()).isEqualTo(known);
        assertThat(granted.getNow(false)).isFalse();
    }
}
