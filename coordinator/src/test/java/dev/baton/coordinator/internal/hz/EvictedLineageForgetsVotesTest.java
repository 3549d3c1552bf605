package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * ReturningLineageForgetsVotesTest after the acceptor's memory of the lineages it left
 * ({@code VoterState.left}) is full: it keeps the last 16 and drops the oldest, promises and
 * accepted value included. Ranks that only grow (peaks) make a return to a lineage left at the
 * same version impossible, but configurations written by a release without peaks rank by their
 * size, which falls: a member can then go on moving from lineage to lineage and come back to the
 * one it left first, still at the version where it voted, with no memory of its vote. Paxos needs an
 * acceptor that never forgets, so a member that may have dropped some lineages and finds itself a
 * voter of one it has no record of takes no part in that decree; it takes part again from the next.
 *
 * <p>Here: lineage B has voters a, b, c at version 1; a proposes adding d, a and b accept: chosen.
 * Then b meets 17 lineages in turn, each of four voters that shrinks to two (so that the next one
 * outranks it). B version 1 (three voters) now outranks the last of them: b comes back to it, with
 * no memory of its vote. c proposes removing a; b and c promise with nothing accepted and accept.
 */
class EvictedLineageForgetsVotesTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters b1 = new Voters("0002-b", 1, List.of("a@1", "b@1", "c@1"));

    private VoterState member(String id) {
        VoterState s = new VoterState(id, "1", now::get, GAP);
        s.learn(b1);
        return s;
    }

    /** Moves {@code member} through 17 lineages, each of four voters shrinking to two (configurations without peaks). */
    private static void wander(VoterState member) {
        for (int i = 1; i <= 17; i++) {
            String lineage = String.format("%04x-l", i);
            Voters big = new Voters(lineage, 1, List.of("p@" + i, "q@" + i, "r@" + i, "s@" + i));
            assertThat(member.learn(big)).as("moves to %s", big).isTrue();
            assertThat(member.learn(new Voters(lineage, 2, List.of("p@" + i, "q@" + i)))).isTrue();
        }
    }

    @Test
    void anOperatorsResetOnAMemberThatLeftManyLineagesLetsItVoteInTheNewLineage() {
        VoterState b = member("b");
        wander(b);
        Voters reset = b.reset(b.current().lineage(), List.of("x@1"), now.get());
        now.addAndGet(GAP);

        assertThat(VotersRequest.prepare(reset, new Ballot(1, "x@1")).applyTo(b).ok)
                .as("b promises in the first decree of the lineage it reset").isTrue();
    }

    @Test
    void anAcceptorThatLeftSeventeenLineagesSinceItVotedCannotHelpChooseASecondConfigurationOfThatVersion() {
        VoterState a = member("a");
        VoterState b = member("b");
        VoterState c = member("c");
        now.addAndGet(GAP);

        Voters withD = b1.with("d@1");
        Ballot first = new Ballot(1, "a@1");
        VotersRequest prepare = VotersRequest.prepare(b1, first);
        assertThat(prepare.applyTo(a).ok).isTrue();
        assertThat(prepare.applyTo(b).ok).isTrue();
        assertThat(VotersRequest.accept(b1, first, withD).applyTo(a).ok).isTrue();
        assertThat(VotersRequest.accept(b1, first, withD).applyTo(b).ok).isTrue();
        a.learn(withD);

        wander(b);
        // A late copy of a's prepare reaches b: B version 1, three voters, outranks b's lineage of two.
        prepare.applyTo(b);
        assertThat(b.current()).isEqualTo(b1);
        now.addAndGet(GAP);

        Voters withoutA = b1.without("a@1");
        Ballot second = new Ballot(2, "c@1");
        VotersRequest prepare2 = VotersRequest.prepare(b1, second);
        VotersReply fromB = prepare2.applyTo(b);
        VotersReply fromC = prepare2.applyTo(c);
        boolean secondChosen = fromB.ok && fromC.ok && fromB.acceptedValue == null && fromC.acceptedValue == null
                && VotersRequest.accept(b1, second, withoutA).applyTo(b).ok
                && VotersRequest.accept(b1, second, withoutA).applyTo(c).ok;

        assertThat(secondChosen).as("a second value for %s version 2 after a and b chose %s (b's promise: %s)",
                b1.lineage(), withD, fromB.acceptedValue).isFalse();

        // Once b learns the decree's outcome it votes again on the next change.
        assertThat(b.learn(withD)).isTrue();
        now.addAndGet(GAP);
        Ballot third = new Ballot(3, "c@1");
        assertThat(VotersRequest.prepare(withD, third).applyTo(b).ok).as("b promises in the next decree").isTrue();
    }
}
