package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An acceptor that accepts a proposal its proposer said it accepted first knows two acceptances
 * under one ballot: for two or three voters a majority, so the value is chosen and it learns it
 * there, without the learn that a cut can lose (LeaverCutManySeedsReviewTest). For four
 * voters or more, or without the proposer's word, it learns nothing from its own acceptance.
 */
class AcceptorLearnsOnAcceptingTest {

    private static final long GAP = 2_200;
    private static final InternalSerializationService SERIALIZATION = new DefaultSerializationServiceBuilder()
            .addDataSerializableFactory(BatonSerialization.FACTORY_ID, new BatonSerialization()).build();

    private final AtomicLong now = new AtomicLong(1_000_000);

    private VoterState acceptor(Voters base) {
        VoterState s = new VoterState("b", "1", now::get, GAP);
        s.learn(base);
        now.addAndGet(GAP);
        return s;
    }

    private VoterState acceptedFrom(Voters base, String proposer, boolean proposerAccepted) {
        VoterState b = acceptor(base);
        Ballot ballot = new Ballot(1, Ballot.proposerOf(proposer, "life-1"));
        assertThat(VotersRequest.prepare(base, ballot).applyTo(b).ok).isTrue();
        VotersRequest accept = SERIALIZATION.toObject(SERIALIZATION.toData(
                VotersRequest.accept(base, ballot, base.without(proposer), proposerAccepted)));
        assertThat(accept.applyTo(b).ok).isTrue();
        return b;
    }

    @Test
    void theLastVoterButOneLearnsALeaversRemovalFromItsAcceptRequest() {
        Voters two = new Voters("0001-a", 4, List.of("a@1", "b@1"));

        assertThat(acceptedFrom(two, "a@1", true).current()).isEqualTo(two.without("a@1"));
        assertThat(acceptedFrom(two, "a@1", false).current()).isEqualTo(two);
    }

    @Test
    void aNodeIdWithTheLifeSeparatorInItIsStillItsProposersVoterId() {
        Voters two = new Voters("0001-a", 4, List.of("a#1@1", "b@1"));

        assertThat(acceptedFrom(two, "a#1@1", true).current()).isEqualTo(two.without("a#1@1"));
    }

    @Test
    void twoAcceptancesAreAMajorityOfThreeButNotOfFour() {
        Voters three = new Voters("0001-a", 4, List.of("a@1", "b@1", "c@1"));
        Voters four = new Voters("0001-a", 4, List.of("a@1", "b@1", "c@1", "d@1"));

        assertThat(acceptedFrom(three, "a@1", true).current()).isEqualTo(three.without("a@1"));
        assertThat(acceptedFrom(four, "a@1", true).current()).isEqualTo(four);
    }

    @Test
    void aProposerThatIsNoVoterOfTheBaseCountsForNothing() {
        Voters two = new Voters("0001-a", 4, List.of("b@1", "c@1"));
        VoterState b = acceptor(two);
        Ballot ballot = new Ballot(1, Ballot.proposerOf("x@1", "life-1"));
        VotersRequest.prepare(two, ballot).applyTo(b);

        assertThat(VotersRequest.accept(two, ballot, two.with("x@1"), true).applyTo(b).ok).isTrue();
        assertThat(b.current()).isEqualTo(two);
    }
}
