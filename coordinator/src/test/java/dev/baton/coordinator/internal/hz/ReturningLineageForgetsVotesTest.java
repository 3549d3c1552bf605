package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An acceptor forgets what it promised and accepted when it adopts another configuration
 * ({@code VoterState.adopt}), which is right when the configuration is the next one of its
 * lineage: the decree is decided. It is wrong when it adopts another lineage and later comes back
 * to the one it left (lineages rank by what they are now, and the one it joined can shrink below
 * the one it left): it is again an acceptor of a decree whose votes it has forgotten.
 *
 * <p>Here: lineage B has voters a, b, c at version 1. a proposes adding d; a and b accept: chosen,
 * and a learns it. Then B meets lineage A (three voters, further along); b and c join it, and A
 * loses a voter (two left). A late copy of a's prepare, whose base is B version 1, now reaches b
 * and c: B's version 1 has three voters, A has two, so they adopt B version 1 again, with no
 * memory of b's vote. c proposes removing a; b and c promise with nothing accepted and accept: a
 * second configuration of B version 2, while a knows the first.
 */
class ReturningLineageForgetsVotesTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters b1 = new Voters("0002-b", 1, List.of("a@1", "b@1", "c@1"));
    private final Voters a5 = new Voters("0001-a", 5, List.of("p@1", "q@1", "r@1"));

    private VoterState member(String id) {
        VoterState s = new VoterState(id, "1", now::get, GAP);
        s.learn(b1);
        return s;
    }

    @Test
    void anAcceptorThatReturnsToALineageItLeftCannotHelpChooseASecondConfigurationOfOneVersion() {
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

        // B meets A: b and c join it; then A removes one of its voters.
        for (VoterState s : List.of(b, c)) {
            assertThat(s.learn(a5)).isTrue();
            assertThat(s.learn(a5.without("r@1"))).isTrue();
        }

        // A late copy of a's prepare arrives at b and c.
        prepare.applyTo(b);
        prepare.applyTo(c);
        now.addAndGet(GAP);

        Voters withoutA = b1.without("a@1");
        Ballot second = new Ballot(2, "c@1");
        VotersRequest prepare2 = VotersRequest.prepare(b1, second);
        VotersReply fromB = prepare2.applyTo(b);
        VotersReply fromC = prepare2.applyTo(c);
        boolean secondChosen = fromB.ok && fromC.ok && fromB.acceptedValue == null && fromC.acceptedValue == null
                && VotersRequest.accept(b1, second, withoutA).applyTo(b).ok
                && VotersRequest.accept(b1, second, withoutA).applyTo(c).ok;

        assertThat(secondChosen).as("a second value for %s version 2 (b and c now know %s), after a and b chose %s",
                b1.lineage(), c.current(), withD).isFalse();
    }
}
