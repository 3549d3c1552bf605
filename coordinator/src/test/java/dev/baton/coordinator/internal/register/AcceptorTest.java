package dev.baton.coordinator.internal.register;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The rules one acceptor follows for a worker's register. A proposer counts an answer as support
 * only when these rules say it may: a promise that does not bind, an acceptance that a crash takes
 * back or a copy acknowledged as an acceptance would each let two values be chosen at one index.
 */
class AcceptorTest {

    private static final String W = "worker-1";

    private final MemoryRegisterLog<String> log = new MemoryRegisterLog<>();
    private final Acceptor<String> acceptor = new Acceptor<>(log, 0);

    private static Ballot ballot(long round, String session) {
        return new Ballot(round, session);
    }

    /** A proposer below the promise must learn whom it lost to, so that it can prepare above it. */
    @Test
    void aPrepareBelowThePromiseIsRefusedNamingThePromisedBallot() {
        Ballot high = ballot(3, "s2");
        assertThat(acceptor.prepare(W, high).kind()).isEqualTo(Kind.PROMISED);

        Answer<String> lowerRound = acceptor.prepare(W, ballot(2, "s9"));
        Answer<String> sameRoundLowerSession = acceptor.prepare(W, ballot(3, "s1"));

        assertThat(lowerRound.kind()).isEqualTo(Kind.REFUSED_BALLOT);
        assertThat(lowerRound.promised()).isEqualTo(high);
        assertThat(lowerRound.isSupport()).isFalse();
        assertThat(sameRoundLowerSession.kind()).as("same round, lower session").isEqualTo(Kind.REFUSED_BALLOT);
        assertThat(sameRoundLowerSession.promised()).isEqualTo(high);
        assertThat(acceptor.state(W).promised()).isEqualTo(high);
    }

    /** A proposer whose answers were lost sends its prepare again; the resend must be answered, with what is held now. */
    @Test
    void theSameBallotPreparedAgainIsPromisedAgainWithTheCurrentState() {
        Ballot b = ballot(1, "s1");
        Answer<String> first = acceptor.prepare(W, b);
        assertThat(first.kind()).isEqualTo(Kind.PROMISED);
        assertThat(first.accepted()).isNull();
        acceptor.accept(W, b, 0, 1, "v1");
        acceptor.chosen(W, new Accepted<>(1, b, "v1"));

        Answer<String> again = acceptor.prepare(W, b);

        assertThat(again.kind()).isEqualTo(Kind.PROMISED);
        assertThat(again.promised()).isEqualTo(b);
        assertThat(again.accepted()).isEqualTo(new Accepted<>(1, b, "v1"));
        assertThat(again.chosen()).isEqualTo(new Accepted<>(1, b, "v1"));
    }

    /** An accept below the promise would break the promise made to the higher ballot's proposer. */
    @Test
    void anAcceptBelowThePromiseIsRefused() {
        Ballot high = ballot(2, "s2");
        acceptor.prepare(W, high);

        Answer<String> answer = acceptor.accept(W, ballot(1, "s1"), 0, 1, "old");

        assertThat(answer.kind()).isEqualTo(Kind.REFUSED_BALLOT);
        assertThat(answer.promised()).isEqualTo(high);
        assertThat(answer.accepted()).isNull();
        assertThat(acceptor.state(W).accepted()).isNull();
    }

    /** An accept at or above the promise is taken and raises the promise to its ballot (the Multi-Paxos shortcut). */
    @Test
    void anAcceptAtOrAboveThePromiseIsTakenAndRaisesThePromise() {
        acceptor.prepare(W, ballot(1, "s1"));
        Ballot higher = ballot(4, "s2");

        Answer<String> answer = acceptor.accept(W, higher, 0, 1, "v");

        assertThat(answer.kind()).isEqualTo(Kind.ACCEPTED);
        assertThat(answer.promised()).isEqualTo(higher);
        assertThat(acceptor.state(W).promised()).isEqualTo(higher);
        assertThat(acceptor.prepare(W, ballot(3, "s3")).kind()).isEqualTo(Kind.REFUSED_BALLOT);
    }

    /**
     * A promise made under voters version v does not bind the acceptors of v + 2: a ballot established
     * under v serves its proposer under v and v + 1 only, and after that it must prepare again.
     */
    @Test
    void anAcceptWhoseBallotWasEstablishedMoreThanOneVersionBelowIsRefused() {
        Ballot b = ballot(1, "s1");
        acceptor.learn(5);

        Answer<String> twoBelow = acceptor.accept(W, b, 3, 1, "v");
        assertThat(twoBelow.kind()).isEqualTo(Kind.REFUSED_VERSION);
        assertThat(twoBelow.isSupport()).isFalse();
        assertThat(twoBelow.version()).isEqualTo(5);
        assertThat(acceptor.state(W).accepted()).isNull();

        Answer<String> oneBelow = acceptor.accept(W, b, 4, 1, "v");
        assertThat(oneBelow.kind()).isEqualTo(Kind.ACCEPTED);
        assertThat(oneBelow.version()).isEqualTo(5);
        assertThat(acceptor.accept(W, b, 5, 2, "v2").kind()).as("tagged with the version itself").isEqualTo(Kind.ACCEPTED);
    }

    /** A late accept of an older index must not replace a later value of the chain. */
    @Test
    void anAcceptAtAnOlderIndexThanTheOneHeldIsSuperseded() {
        Ballot b = ballot(1, "s1");
        acceptor.accept(W, b, 0, 2, "second");

        Answer<String> late = acceptor.accept(W, b, 0, 1, "first");

        assertThat(late.kind()).isEqualTo(Kind.SUPERSEDED);
        assertThat(late.isSupport()).isFalse();
        assertThat(late.accepted()).isEqualTo(new Accepted<>(2, b, "second"));
        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(2, b, "second"));
    }

    /** A lost answer costs the proposer a resend, not a write: the acceptor answers the resend from its register. */
    @Test
    void theSameAcceptAgainIsAcceptedAgainAndWritesNothingNew() {
        Ballot b = ballot(1, "s1");
        assertThat(acceptor.accept(W, b, 0, 1, "v").kind()).isEqualTo(Kind.ACCEPTED);
        acceptor.force();
        RegisterState<String> before = acceptor.state(W);

        Answer<String> again = acceptor.accept(W, b, 0, 1, "v");

        assertThat(again.kind()).isEqualTo(Kind.ACCEPTED);
        assertThat(again.accepted()).isEqualTo(new Accepted<>(1, b, "v"));
        assertThat(acceptor.state(W)).isEqualTo(before);
        assertThat(log.hasUnforcedWrites()).as("a resend needs no new write").isFalse();
        acceptor.force();
        assertThat(log.restore()).as("what the log holds is unchanged").containsExactly(Map.entry(W, before));
    }

    /** A proposer sends one value per ballot and index; another one there is not the accept this acceptor took. */
    @Test
    void anotherValueUnderAHeldBallotAndIndexIsNotAcknowledged() {
        Ballot b = ballot(1, "s");
        assertThat(acceptor.accept(W, b, 0, 1, "x").kind()).isEqualTo(Kind.ACCEPTED);

        Answer<String> other = acceptor.accept(W, b, 0, 1, "y");

        assertThat(other.kind()).isEqualTo(Kind.SUPERSEDED);
        assertThat(acceptor.state(W).accepted().value()).isEqualTo("x");
    }

    /**
     * A copy was never accepted here, so it is never acknowledged as an acceptance of this acceptor's;
     * but it is a value Paxos's rule must find, so promises report it. A first accept of that ballot
     * and index is a real acceptance and clears the mark.
     */
    @Test
    void aCopyIsReportedInPromisesAndAnAcceptOfItIsTakenAsFreshAndClearsTheMark() {
        Ballot b = ballot(2, "s1");
        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(1, b, "v"))));
        assertThat(acceptor.state(W).copy()).isTrue();

        Answer<String> promise = acceptor.prepare(W, ballot(2, "s1"));
        assertThat(promise.kind()).isEqualTo(Kind.PROMISED);
        assertThat(promise.accepted()).isEqualTo(new Accepted<>(1, b, "v"));
        assertThat(acceptor.state(W).copy()).as("a prepare does not turn a copy into an acceptance").isTrue();

        acceptor.force();
        Answer<String> accept = acceptor.accept(W, b, 0, 1, "v");
        assertThat(accept.kind()).isEqualTo(Kind.ACCEPTED);
        assertThat(acceptor.state(W).copy()).isFalse();
        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(1, b, "v"));
        assertThat(log.hasUnforcedWrites()).as("the acceptance is written, to be forced before the answer").isTrue();
        acceptor.force();
        assertThat(log.restore().get(W).copy()).isFalse();
    }

    /**
     * An install never steps back along an acceptor's order (index, then ballot), and it raises the
     * promise to the value's ballot, so that a proposer below the ballot the value was accepted under
     * cannot overwrite it here.
     */
    @Test
    void installTakesOnlyValuesAfterTheHeldOneAndRaisesThePromiseToTheirBallot() {
        Ballot b1 = ballot(1, "s1");
        Ballot b2 = ballot(2, "s1");
        Ballot b5 = ballot(5, "s2");
        acceptor.accept(W, b2, 0, 3, "held");

        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(2, b5, "older index"))));
        assertThat(acceptor.state(W).accepted().value()).as("an older index, whatever its ballot").isEqualTo("held");
        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(3, b1, "same index, lower ballot"))));
        assertThat(acceptor.state(W).accepted().value()).isEqualTo("held");
        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(3, b2, "held"))));
        assertThat(acceptor.state(W).copy()).as("the same value is not taken again as a copy").isFalse();

        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(3, b5, "same index, higher ballot"))));
        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(3, b5, "same index, higher ballot"));
        assertThat(acceptor.state(W).promised()).isEqualTo(b5);
        assertThat(acceptor.state(W).copy()).isTrue();

        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(4, b1, "later index, lower ballot"))));
        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(4, b1, "later index, lower ballot"));
        assertThat(acceptor.state(W).promised()).as("the promise never falls").isEqualTo(b5);

        assertThat(acceptor.prepare(W, ballot(4, "s9")).kind()).isEqualTo(Kind.REFUSED_BALLOT);
    }

    /** An install into an empty register takes the value and promises its ballot. */
    @Test
    void installIntoAnEmptyRegisterTakesTheValueAndPromisesItsBallot() {
        Ballot b = ballot(7, "s1");

        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(1, b, "v"))));

        assertThat(acceptor.state(W)).isEqualTo(new RegisterState<>(b, new Accepted<>(1, b, "v"), true, null));
        assertThat(acceptor.accept(W, ballot(6, "s2"), 0, 2, "lower").kind()).isEqualTo(Kind.REFUSED_BALLOT);
    }

    /**
     * A chosen notice carries the value a quorum accepted: a member that holds a copy of a writer that
     * lost at that index, or nothing as late, takes the chosen value (as a copy: it never accepted it);
     * one that holds a later value keeps it and only learns what was chosen before it.
     */
    @Test
    void aChosenNoticeBringsTheChosenValueToAMemberBehind() {
        Ballot winner = ballot(2, "s2");
        Ballot loser = ballot(1, "s1");
        acceptor.install(new Pull<>(0, Map.of(W, new Accepted<>(1, loser, "lost"))));

        acceptor.chosen(W, new Accepted<>(1, winner, "won"));

        assertThat(acceptor.state(W)).isEqualTo(new RegisterState<>(winner, new Accepted<>(1, winner, "won"), true,
                new Accepted<>(1, winner, "won")));
        assertThat(acceptor.accept(W, winner, 0, 1, "won").kind()).as("a copy is taken as a fresh accept")
                .isEqualTo(Kind.ACCEPTED);

        acceptor.accept(W, winner, 0, 2, "next");
        acceptor.chosen(W, new Accepted<>(1, winner, "won"));
        assertThat(acceptor.state(W).chosen()).as("the chosen value stays while the next is open")
                .isEqualTo(new Accepted<>(1, winner, "won"));
        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(2, winner, "next"));
        assertThat(acceptor.prepare(W, winner).chosen()).isEqualTo(new Accepted<>(1, winner, "won"));
    }

    /** A member that moved on learns the earlier index chosen without giving up its later value. */
    @Test
    void aLateChosenNoticeLeavesALaterValueInPlace() {
        Ballot b = ballot(1, "s1");
        acceptor.accept(W, b, 0, 1, "first");
        acceptor.accept(W, b, 0, 2, "second");

        acceptor.chosen(W, new Accepted<>(1, b, "first"));

        assertThat(acceptor.state(W).accepted()).isEqualTo(new Accepted<>(2, b, "second"));
        assertThat(acceptor.state(W).chosen()).isEqualTo(new Accepted<>(1, b, "first"));
        acceptor.chosen(W, new Accepted<>(1, b, "first"));
        assertThat(acceptor.state(W).copy()).isFalse();
    }

    /** An answer counts only towards a majority of the version it is tagged with, the one known when it was applied. */
    @Test
    void answersCarryTheVersionKnownWhenTheOperationWasApplied() {
        Ballot b = ballot(1, "s1");
        Answer<String> underZero = acceptor.prepare(W, b);
        acceptor.learn(1);
        Answer<String> underOne = acceptor.accept(W, b, 0, 1, "v");
        acceptor.learn(3);
        Answer<String> refused = acceptor.prepare(W, ballot(0, "s0"));
        acceptor.learn(2);

        assertThat(underZero.version()).isZero();
        assertThat(underOne.version()).isEqualTo(1);
        assertThat(refused.version()).isEqualTo(3);
        assertThat(acceptor.version()).as("versions only rise").isEqualTo(3);
        assertThat(acceptor.pull().version()).isEqualTo(3);
    }

    /**
     * Paxos needs acceptors that never forget what they answered. An answer is sent only after the
     * force, so a restored acceptor holds exactly what was forced, and a forced promise still binds.
     */
    @Test
    void anAcceptorRestoredAfterACrashKeepsExactlyWhatWasForced() {
        Ballot forcedPromise = ballot(3, "s1");
        acceptor.accept(W, ballot(2, "s1"), 0, 1, "forced value");
        acceptor.prepare(W, forcedPromise);
        acceptor.force();
        acceptor.prepare(W, ballot(9, "s2"));
        acceptor.accept(W, ballot(9, "s2"), 0, 2, "unforced value");
        acceptor.prepare("worker-2", ballot(4, "s3"));
        assertThat(log.hasUnforcedWrites()).isTrue();

        log.crash();
        Acceptor<String> restored = new Acceptor<>(log, 0);

        assertThat(restored.state(W))
                .isEqualTo(new RegisterState<>(forcedPromise, new Accepted<>(1, ballot(2, "s1"), "forced value"), false, null));
        assertThat(restored.state("worker-2")).as("a promise never forced is forgotten")
                .isEqualTo(new RegisterState<>(Ballot.ZERO, null, false, null));
        Answer<String> lower = restored.prepare(W, ballot(2, "s9"));
        assertThat(lower.kind()).isEqualTo(Kind.REFUSED_BALLOT);
        assertThat(lower.promised()).isEqualTo(forcedPromise);
        assertThat(restored.accept(W, ballot(2, "s9"), 0, 2, "x").kind()).isEqualTo(Kind.REFUSED_BALLOT);
    }

    /** A restored acceptor answers with the version its voter file holds, not one it had only heard of. */
    @Test
    void aRestoredAcceptorKnowsTheVersionItIsResumedAt() {
        acceptor.learn(4);
        acceptor.accept(W, ballot(1, "s1"), 4, 1, "v");
        acceptor.force();

        Acceptor<String> restored = new Acceptor<>(log, 2);

        assertThat(restored.version()).isEqualTo(2);
        assertThat(restored.prepare(W, ballot(1, "s1")).version()).isEqualTo(2);
    }

    /** An acceptor that reads its version from the voter state tags each answer with the version known then. */
    @Test
    void anAcceptorReadingTheVoterStatesVersionTagsAnswersWithItAndCannotLearnApart() {
        AtomicLong voterState = new AtomicLong(4);
        Acceptor<String> reading = new Acceptor<>(new MemoryRegisterLog<>(), voterState::get);
        assertThat(reading.prepare(W, ballot(1, "s")).version()).isEqualTo(4);

        voterState.set(5);

        assertThat(reading.prepare(W, ballot(2, "s")).version()).isEqualTo(5);
        assertThat(reading.pull().version()).isEqualTo(5);
        assertThatThrownBy(() -> reading.learn(6)).isInstanceOf(IllegalStateException.class);
    }

    /** A pull must carry every value with the ballot it was accepted under, copies included, and the version read with them. */
    @Test
    void aPullCarriesEveryHeldValueWithItsBallotAndTheVersion() {
        Ballot b1 = ballot(1, "s1");
        Ballot b2 = ballot(2, "s2");
        acceptor.accept(W, b1, 0, 1, "w1");
        acceptor.accept("worker-2", b2, 0, 5, "w2");
        acceptor.install(new Pull<>(0, Map.of("worker-3", new Accepted<>(3, b2, "w3 copy"))));
        acceptor.prepare("worker-4", b1);
        acceptor.learn(2);

        Pull<String> pull = acceptor.pull();

        assertThat(pull.version()).isEqualTo(2);
        assertThat(pull.values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                W, new Accepted<>(1, b1, "w1"),
                "worker-2", new Accepted<>(5, b2, "w2"),
                "worker-3", new Accepted<>(3, b2, "w3 copy")));
    }
}
