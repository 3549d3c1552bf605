package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A process that moves to another lineage answers as warming up for a lease plus margin. Since
 * 3445c0d the winner of a merge adds a process of an outranked lineage as soon as it hears of it,
 * before or just as it moves: it is added cold, by design. When the winner's warm voters are then
 * exactly a quorum (one of three crashed and not yet removed), the change raises the quorum to three
 * of four while only two voters' acknowledgements count until the newcomer warms, a lease plus
 * margin after its move: the acknowledgements under the old version run out first, and every lease
 * of the winner lapses although only a lower-ranked process arrived. Before 3445c0d the newcomer was
 * added once its session reported the winner's lineage, still warming up, which lost this race in 3
 * seeds of 30; with 3445c0d, in 30 of 30. A newcomer that does not count yet is now added only where
 * it does not raise the quorum.
 *
 * <p>Here: n0 founds lineage A; n1 and n2 join it (three voters); n9 starts cut off and founds its
 * own lineage alone; n0 holds w; n2 crashes and right then the link to n9 heals.
 */
class ColdNewcomerAtMergeTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 30);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aLowerRankedProcessArrivingWhileOneOfThreeVotersIsDownDoesNotEndTheWinnersLeases(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        // Index 0 (the later n9) exists so that its links can be cut, but does not run yet.
        SimulatedNetwork.SimNode loner = net.start("n9");
        net.crash(loner);
        net.run(1_500);

        List<SimulatedNetwork.SimNode> fleet = new ArrayList<>();
        fleet.add(net.start("n0"));
        net.awaitTrue(() -> fleet.get(0).voters.current().size() == 1, "n0 to found lineage A alone");
        fleet.add(net.start("n1"));
        fleet.add(net.start("n2"));
        net.awaitTrue(() -> fleet.stream().allMatch(n -> n.voters.current().size() == 3), "lineage A with three voters");
        String lineageA = fleet.get(0).voters.current().lineage();

        net.partition(List.of(List.of(0), List.of(1, 2, 3)));
        net.restart(loner, loner.nodeId, false);
        net.awaitTrue(() -> loner.voters.current().size() == 1, "n9 to found a lineage of its own");
        assertThat(loner.voters.current().lineage()).isNotEqualTo(lineageA);
        net.run(LEASE / MS + 1_000);

        SimulatedNetwork.SimNode n0 = fleet.get(0);
        net.hold(n0, "w");
        List<String> losses = new ArrayList<>();
        n0.session.onLost("w", () -> losses.add("lost at " + net.clock.get() / MS + "ms, n0 knowing "
                + n0.voters.current()));

        net.crash(fleet.get(2));
        net.heal();
        net.awaitTrue(() -> loner.voters.current().lineage().equals(lineageA), 10_000, "n9 to move to lineage A");
        net.run(3 * LEASE / MS);

        assertThat(losses).as("n0 and n1, two of A's three voters, stay up and connected throughout; n9 (lineage A"
                + " ranks above its own) joining must not take n0's lease on w away").isEmpty();
        assertThat(n0.session.holds("w")).isTrue();
    }
}
