package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Worker registers written through the lease protocol while the voters change (the pull of
 * docs/records-in-the-lock-tables.md, step 1): three to five nodes whose holders write their workers'
 * registers again and again, while nodes join, leave, crash and come back with or without their disks,
 * the network splits and heals and processes freeze. A member accepts voter change v + 2 only once it
 * pulled the registers of enough voters of v ({@link VoterPulls}); without that, a value chosen on a
 * majority of v can be missing from every member of a majority of v + 2, and a later writer chooses
 * another value at its index. Checked: one value learned chosen per worker and index, whoever learned it.
 *
 * <p>{@code -Dbaton.simulation.registerChurnSeeds=N} runs N seeds (default 20).
 */
class RegisterChurnSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    static final SimulatedFaults.Churn CHURN = new SimulatedFaults.Churn(6, LEASE * 4, LEASE / 3, false);

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.registerChurnSeeds", 20)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void oneValuePerIndexWhileTheVotersChange(long seed) {
        check(run(seed, false, VoterPulls.PIECE, true));
    }

    /**
     * Pieces of one worker each, so that every pull takes several pieces (three workers against a piece
     * of 256 take one), and no anti-entropy, which would repair what a broken pull missed: a voter counted
     * before its last piece, or a piece of an older try completing a newer one, chooses two values at an
     * index (a planted count at any piece was red in 9 of 200 seeds).
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void oneValuePerIndexWhenEveryPullTakesSeveralPieces(long seed) {
        check(run(seed, false, 1, false));
    }

    private static void check(Outcome outcome) {
        assertThat(outcome.violations).as("faults: %s", outcome.faults).isEmpty();
        assertThat(outcome.net.pullReplies).as("pieces pulled").isPositive();
        if (outcome.written == outcome.writtenAtHeal) {
            // Healed at 45 s: writes stop for good only where no node reaches a majority of its voters (crashed
            // and back without their disks as new voters, not back yet, or outside the member lists it shares
            // while they merge).
            for (SimulatedNetwork.SimNode n : outcome.net.nodes) {
                if (n.healthy()) {
                    Voters v = n.voters.current();
                    long reached = outcome.net.nodes.stream().filter(o -> o.healthy() && v.contains(o.voters.voterId())
                            && n.view.contains(o) && o.view.contains(n)).count();
                    assertThat(reached).as("no write chosen after the heal although %s reaches %s of %s (pull: %s; %s)",
                            n, reached, v, n.pulls.describe(), outcome.faults).isLessThan(v.majority());
                }
            }
        }
    }

    /**
     * The power check: with the gate left out (and anti-entropy, which often repairs the loss in time),
     * some seeds choose two values at one index (A, B, C; a value chosen on A and B; add D; remove A: C
     * and D are a majority and hold nothing).
     */
    @org.junit.jupiter.api.Test
    void withoutThePullSomeRunChoosesTwoValuesAtAnIndex() {
        // About one seed in thirty breaks without the pull (7 of the first 200), which seeds depends on the
        // schedule: the first is 9 with member lists that never merge when they overlap, 55 with lists that do.
        List<String> found = new ArrayList<>();
        for (long seed = 1; seed <= 120 && found.isEmpty(); seed++) {
            found.addAll(run(seed, true, VoterPulls.PIECE, false).violations);
        }
        assertThat(found).as("a run without the pull that chose two values at an index").isNotEmpty();
    }

    private record Outcome(SimulatedNetwork net, List<String> violations, StringBuilder faults, int written,
                           int writtenAtHeal) {
    }

    /**
     * Three to five nodes with registers on, messages dropped and some late, started a moment apart and
     * settled: the cluster the churn runs on.
     */
    static SimulatedNetwork churnCluster(long seed, boolean gateOff, int piece, boolean sync) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        net.pullPiece = piece;
        net.registerSync = sync;
        net.registersOn = true;
        net.pullGateOff = gateOff;
        net.dropRate = 0.03;
        net.longDelay = LEASE / 3;
        net.longDelayRate = 0.02;
        int size = 3 + net.random.nextInt(3);
        for (int i = 0; i < size; i++) {
            net.start("n" + i);
            net.run(50);
        }
        net.run(5000);
        return net;
    }

    private static Outcome run(long seed, boolean gateOff, int piece, boolean sync) {
        SimulatedNetwork net = churnCluster(seed, gateOff, piece, sync);
        LeaseProtocolSimulationTest.Workload locks = new LeaseProtocolSimulationTest.Workload(net);
        RegisterLeaseSimulationTest.Writes writes = new RegisterLeaseSimulationTest.Writes(net, false);
        List<String> violations = new ArrayList<>();
        StringBuilder faults = new StringBuilder();
        int[] newIds = {100};
        int writtenAtHeal = 0;
        for (int t = 0; t < 60_000; t += 10) {
            if (t < 40_000 && net.random.nextInt(200) == 0) {
                SimulatedFaults.churn(net, CHURN, t, faults, newIds);
            }
            if (t == 45_000) {
                net.heal();
                net.nodes.forEach(n -> n.frozen = false);
                writtenAtHeal = writes.written;
            }
            locks.step();
            writes.step(violations);
            net.run(10);
        }
        return new Outcome(net, violations, faults, writes.written, writtenAtHeal);
    }
}
