package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Review of 0b5b6c5 (an acceptor that accepts a request whose proposer says it accepted first
 * learns the value, for two or three voters). Edges probed directly on voter states.
 */
class LearnOnAcceptingEdgesReviewTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters three = new Voters("0002-b", 4, List.of("a@1", "b@1", "c@1"));

    private VoterState member(String id, Voters knows) {
        VoterState s = new VoterState(id, "1", now::get, GAP);
        if (knows != null) {
            s.learn(knows);
        }
        return s;
    }

    /** An acceptor that hears of the base only from the accept request itself refuses it (the change gap): it learns nothing. */
    @Test
    void anAcceptorThatLearnsTheBaseFromTheRequestLearnsNoValue() {
        VoterState behind = member("c", new Voters("0002-b", 3, List.of("a@1", "b@1")));
        now.addAndGet(GAP);
        Ballot ballot = new Ballot(1, Ballot.proposerOf("a@1", "x"));
        VotersReply r = VotersRequest.accept(three, ballot, three.without("b@1"), true).applyTo(behind);
        assertThat(r.ok).isFalse();
        assertThat(behind.current()).isEqualTo(three);
    }

    /**
     * a and b accept X under ballot 1 (a says so); the reply is lost, so a does not know it. c
     * proposes Y under ballot 2 and gets b's promise: b reports X, so c must propose X. b, which
     * learned X when it accepted, no longer promises for this version at all: c is told the
     * current configuration and learns X.
     */
    @Test
    void aCompetingProposerAfterTheEarlyLearnEndsOnTheSameValue() {
        VoterState a = member("a", three);
        VoterState b = member("b", three);
        VoterState c = member("c", three);
        now.addAndGet(GAP);
        Voters x = three.without("c@1");
        Ballot one = new Ballot(1, Ballot.proposerOf("a@1", "l1"));
        assertThat(VotersRequest.prepare(three, one).applyTo(a).ok).isTrue();
        assertThat(VotersRequest.prepare(three, one).applyTo(b).ok).isTrue();
        assertThat(VotersRequest.accept(three, one, x, false).applyTo(a).ok).isTrue();
        assertThat(VotersRequest.accept(three, one, x, true).applyTo(b).ok).isTrue();
        assertThat(b.current()).isEqualTo(x);

        Ballot two = new Ballot(2, Ballot.proposerOf("c@1", "l2"));
        VotersReply fromB = VotersRequest.prepare(three, two).applyTo(b);
        VotersReply fromC = VotersRequest.prepare(three, two).applyTo(c);
        assertThat(fromB.ok).isFalse();
        assertThat(fromB.current).isEqualTo(x);
        assertThat(fromC.ok).isTrue();
        // c and a alone: a reports X.
        VotersReply fromA = VotersRequest.prepare(three, two).applyTo(a);
        assertThat(fromA.ok).isTrue();
        assertThat(fromA.acceptedValue).isEqualTo(x);
    }

    /**
     * A late copy of a flagged accept reaching an acceptor that has since promised a higher ballot
     * is refused and teaches nothing.
     */
    @Test
    void aLateFlaggedAcceptBelowAPromiseTeachesNothing() {
        VoterState b = member("b", three);
        now.addAndGet(GAP);
        Ballot one = new Ballot(1, Ballot.proposerOf("a@1", "l1"));
        Ballot two = new Ballot(2, Ballot.proposerOf("c@1", "l2"));
        assertThat(VotersRequest.prepare(three, two).applyTo(b).ok).isTrue();
        assertThat(VotersRequest.accept(three, one, three.without("c@1"), true).applyTo(b).ok).isFalse();
        assertThat(b.current()).isEqualTo(three);
    }
}
