package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.Exchanges.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** How a session writes a worker's register: the round trips each case costs, and what it waits for. */
class ProposerTest {

    private static final String W = "w";

    private final Map<String, Acceptor<String>> acceptors = new TreeMap<>();
    private final Map<Long, Set<String>> voters = Map.of(0L, Set.of("A", "B", "C"), 1L, Set.of("A", "B", "C", "D"));
    private final List<Accepted<String>> learned = new ArrayList<>();

    ProposerTest() {
        for (String member : List.of("A", "B", "C")) {
            acceptors.put(member, new Acceptor<>(new MemoryRegisterLog<>(), 0));
        }
    }

    /** The usual claim: the session that wrote last writes again with one accept, no prepare. */
    @Test
    void anEstablishedSessionWritesWithOneAcceptRound() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "first"));
        assertThat(p.isEstablished()).isTrue();

        Operation<String> next = p.write(base -> base + "+second");

        assertThat(next.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(next.index()).isEqualTo(2);
        assertThat(exchange(acceptors, p, next, "A", "B").kind()).as("a quorum's acceptance ends it").isEqualTo(Operation.Kind.CHOSEN);
        assertThat(p.isWriting()).isFalse();
        assertThat(learned).extracting(Accepted::value).containsExactly("first", "first+second");
    }

    /**
     * A value accepted by one acceptor only may be chosen yet (its writer died before it heard): a
     * session taking the worker over accepts it again under its own ballot before it writes on it.
     */
    @Test
    void aTakeOverFinishesTheValueItFindsBeforeWritingItsOwn() {
        Proposer<String> dead = proposer("a");
        Operation<String> accept = exchange(acceptors, dead, dead.write(base -> "orphan"), "A", "B", "C");
        exchange(acceptors, dead, accept, "A");

        Proposer<String> p = proposer("b");
        Operation<String> next = exchange(acceptors, p, p.write(base -> base + "+mine"), "A", "B");

        assertThat(next.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(next.index()).isEqualTo(1);
        assertThat(next.value()).isEqualTo("orphan");
        next = exchange(acceptors, p, next, "B", "C");
        assertThat(next.index()).isEqualTo(2);
        assertThat(next.value()).isEqualTo("orphan+mine");
        runToEnd(p, next);
        assertThat(learned).extracting(Accepted::value).containsExactly("orphan", "orphan+mine");
    }

    /**
     * Answers count only towards a majority of the voters of the version they carry: two answers of
     * version 0 and one of version 1 are a majority of neither, and the session asks again.
     */
    @Test
    void answersSplitAcrossVersionsAreAskedAgain() {
        acceptors.put("D", new Acceptor<>(new MemoryRegisterLog<>(), 1));
        acceptors.get("C").learn(1);
        Proposer<String> p = proposer("p");
        Operation<String> prepare = p.write(base -> "v");

        assertThat(exchange(acceptors, p, prepare, "A", "C")).as("A at version 0, C at version 1").isNull();

        acceptors.get("A").learn(1);
        Operation<String> again = p.retry();
        assertThat(again).isEqualTo(prepare);
        Operation<String> next = exchange(acceptors, p, again, "A", "D");
        assertThat(next.kind()).as("A, C and D: a majority of version 1").isEqualTo(Operation.Kind.ACCEPT);
        assertThat(next.tag()).isEqualTo(1);
    }

    /** A session refused by a higher ballot stops, and prepares above it when it tries again. */
    @Test
    void aRefusedSessionPreparesAboveTheBallotThatRefusedIt() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "first"));
        Proposer<String> other = proposer("q");
        runToEnd(other, other.write(base -> base + "+other"));

        Operation<String> refused = p.write(base -> base + "+p");
        assertThat(refused.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(exchange(acceptors, p, refused, "A")).isNull();
        assertThat(p.isEstablished()).isFalse();

        Operation<String> prepare = p.retry();
        assertThat(prepare.kind()).isEqualTo(Operation.Kind.PREPARE);
        assertThat(prepare.ballot().isAbove(acceptors.get("A").state(W).promised())).isTrue();
        runToEnd(p, prepare);
        assertThat(p.head().value()).isEqualTo("first+other+p");
    }

    /** A claim of a slot already claimed writes nothing; a claim found already in the record is its replay. */
    @Test
    void aWriteWithNothingNewEndsWithoutSpendingAnIndex() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "claimed"));

        assertThat(p.write(base -> null)).isNull();
        assertThat(p.isWriting()).isFalse();
        assertThat(p.written()).isNull();

        assertThat(p.write(base -> base)).isNull();
        assertThat(p.written()).isEqualTo("claimed");
        assertThat(learned).hasSize(1);
        assertThat(acceptors.get("A").state(W).accepted().index()).isEqualTo(1);
    }

    /**
     * Answers of two versions never make a quorum together: A answers under version 0, C and D under
     * version 1. That is three of version 1's four voters, but two of its answers, and one of version 0's.
     */
    @Test
    void answersOfTwoVersionsNeverMakeAQuorumTogether() {
        acceptors.put("D", new Acceptor<>(new MemoryRegisterLog<>(), 1));
        acceptors.get("C").learn(1);
        Proposer<String> p = proposer("p");

        assertThat(exchange(acceptors, p, p.write(base -> "v"), "A", "C", "D")).isNull();
    }

    /**
     * An answer counts for the operation whose ballot, index and value it reports, not for an
     * operation that happens to carry the same id: B's late acceptance of x at index 1 is no
     * acceptance of z at index 2.
     */
    @Test
    void anAnswerCountsOnlyForTheOperationItReports() {
        Proposer<String> first = proposer("s");
        Operation<String> accept = exchange(acceptors, first, first.write(base -> "x"), "A", "B", "C");
        Answer<String> late = accept.applyTo(acceptors.get("B"));
        runToEnd(first, exchange(acceptors, first, accept, "A", "C"));

        Proposer<String> p = proposer("t");
        Operation<String> z = exchange(acceptors, p, p.write(base -> "z"), "A", "C");
        assertThat(z.id()).isEqualTo(accept.id());
        assertThat(z.index()).isEqualTo(2);
        exchange(acceptors, p, z, "C");

        assertThat(p.onAnswer("B", accept.id(), late)).isNull();
        assertThat(p.isWriting()).as("C alone has z").isTrue();
    }

    /**
     * A session that gives a write up never sends another value under the ballot and index it may have
     * used: its next write prepares a higher ballot.
     */
    @Test
    void aWriteGivenUpIsFollowedByAHigherBallot() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "x"));
        Operation<String> abandoned = p.write(base -> base + "+y");
        exchange(acceptors, p, abandoned, "A");
        p.cancel();

        Operation<String> next = p.write(base -> base + "+z");

        assertThat(next.kind()).isEqualTo(Operation.Kind.PREPARE);
        assertThat(next.ballot().isAbove(abandoned.ballot())).isTrue();
        runToEnd(p, next);
        assertThat(p.head().value()).as("y, accepted by A alone, is found and finished first").isEqualTo("x+y+z");
    }

    /**
     * A node that gives its lock back with no write under way and takes it again (the next slot of a
     * worker it keeps) writes with one accept: nothing went out under its ballot after the head.
     */
    @Test
    void aLockGivenBackWithNoWriteUnderWayKeepsTheBallot() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "claim"));
        runToEnd(p, p.write(base -> base + "+end"));
        p.cancel();

        Operation<String> next = p.write(base -> base + "+claim");

        assertThat(next.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(next.index()).isEqualTo(3);
        assertThat(exchange(acceptors, p, next, "A", "B").kind()).isEqualTo(Operation.Kind.CHOSEN);
        assertThat(p.head().value()).isEqualTo("claim+end+claim");
    }

    /**
     * If another session wrote while the lock was elsewhere, the kept ballot's accept is refused, and the
     * session prepares at once rather than after a resend interval (longer than a claim may wait): the
     * value is computed on the other session's.
     */
    @Test
    void aKeptBallotRefusedPreparesAtOnce() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        inTurn(2, p, q);

        Operation<String> stale = p.write(base -> base + "+p");
        assertThat(stale.kind()).isEqualTo(Operation.Kind.ACCEPT);
        Operation<String> next = exchange(acceptors, p, stale, "A");

        assertThat(next).as("prepared on the first refusal").isNotNull();
        assertThat(next.kind()).isEqualTo(Operation.Kind.PREPARE);
        assertThat(next.ballot().isAbove(q.head().ballot())).isTrue();
        runToEnd(p, next);
        assertThat(p.head().value()).isEqualTo("+1+2+p");
        assertThat(p.head().index()).isEqualTo(3);
    }

    /**
     * "Nothing to write" is judged on the newest value, never on a kept head that may be stale: a paused
     * worker's claim refused on the head the session last wrote, resumed since by another session, prepares
     * and finds the resume.
     */
    @Test
    void nothingToWriteOnAKeptHeadIsJudgedAfterAPrepare() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        inTurn(2, p, q);

        // p's kept head is "+1" (paused, say), the chain's "+1+2" (resumed by q).
        Operation<String> next = p.write(base -> base.equals("+1") ? null : base + "+claim");

        assertThat(next).as("not refused on the stale head").isNotNull();
        assertThat(next.kind()).isEqualTo(Operation.Kind.PREPARE);
        runToEnd(p, next);
        assertThat(p.head().value()).isEqualTo("+1+2+claim");

        p.cancel();
        Operation<String> nothing = p.write(base -> null);
        assertThat(nothing.kind()).isEqualTo(Operation.Kind.PREPARE);
        assertThat(exchange(acceptors, p, nothing, "A", "B")).as("nothing to write on the newest value").isNull();
        assertThat(p.isWriting()).isFalse();
        assertThat(p.written()).isNull();
    }

    /**
     * Nor is a replay: a pause asked again finds itself on the kept head, but the chain moved past it (a
     * resume by another session), and it must not be told it holds (the twenty-sixth review).
     */
    @Test
    void aReplayOnAKeptHeadIsJudgedAfterAPrepare() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        inTurn(2, p, q);

        // p's own pause "+1" asked again: a replay on p's kept head, not on the chain's "+1+2".
        runToEnd(p, p.write(base -> base.equals("+1") ? base : base + "+again"));

        assertThat(p.written()).isEqualTo("+1+2+again");
        assertThat(p.head().value()).isEqualTo(p.written());
    }

    /**
     * A worker handed back and forth: each kept accept refused prepares just above the ballot that refused
     * it, so the ballots leapfrog and a session's own next round falls below the chain's. Its prepare for
     * a stale head (nothing to write there, or a replay) is refused once and goes again at once above it,
     * with no resend interval waited (runToEnd never calls retry()): the twenty-seventh review.
     */
    @Test
    void nothingToWriteAfterLeapfroggingBallotsPreparesAgainAtOnce() {
        Proposer<String> p = proposer("p");
        String chain = inTurn(4, p, proposer("q"));

        // Nothing to write on p's kept head ("+1+2+3"); on the chain's there is.
        runToEnd(p, p.write(base -> base.equals(chain) ? base + "+5" : null));

        assertThat(p.isWriting()).as("done with every answer in: no resend interval waited").isFalse();
        assertThat(p.written()).isEqualTo(chain + "+5");
    }

    @Test
    void aReplayAfterLeapfroggingBallotsPreparesAgainAtOnce() {
        Proposer<String> p = proposer("p");
        String chain = inTurn(4, p, proposer("q"));

        // p's own "+3" asked again: a replay on p's kept head, not on the chain's.
        runToEnd(p, p.write(base -> base.equals("+1+2+3") ? base : base + "+again"));

        assertThat(p.isWriting()).as("done with every answer in: no resend interval waited").isFalse();
        assertThat(p.written()).isEqualTo(chain + "+again");
    }

    /** Three sessions in turn (a worker moving round three nodes): any of them may fall rounds behind. */
    @Test
    void nothingToWriteWithThreeSessionsInTurnPreparesAgainAtOnce() {
        Proposer<String> r = proposer("r");
        String chain = inTurn(8, proposer("p"), proposer("q"), r);

        // r last wrote six turns ago: nothing to write on its kept head, something on the chain's.
        runToEnd(r, r.write(base -> base.equals(chain) ? base + "+9" : null));

        assertThat(r.isWriting()).as("done with every answer in: no resend interval waited").isFalse();
        assertThat(r.written()).isEqualTo(chain + "+9");
    }

    /**
     * Once a value is chosen at an index every higher ballot there carries it, so a copy of the head
     * re-proposed under a higher ballot (a take-over that died after one acceptor took it) is the head:
     * no round trip to propose it again, no second notice, the write computed once.
     */
    @Test
    void aSessionThatKnowsAnIndexChosenDoesNotProposeItAgain() {
        Proposer<String> p = proposer("p");
        Operation<String> notice = exchange(acceptors, p, exchange(acceptors, p, p.write(base -> "x"), "A", "B", "C"), "A", "B", "C");
        assertThat(notice.kind()).as("lost: nobody marks index 1 chosen").isEqualTo(Operation.Kind.CHOSEN);
        Proposer<String> q = proposer("q");
        Operation<String> again = exchange(acceptors, q, q.write(base -> base + "+q"), "A", "B");
        assertThat(again.index()).isEqualTo(1);
        exchange(acceptors, q, again, "A");
        int[] computed = {0};
        assertThat(exchange(acceptors, p, p.write(base -> base + "+p" + computed[0]++), "A", "B")).isNull();

        Operation<String> next = exchange(acceptors, p, p.retry(), "A", "B", "C");

        assertThat(next.index()).isEqualTo(2);
        runToEnd(p, next);
        assertThat(learned).extracting(Accepted::index).containsExactly(1L, 2L);
        assertThat(computed[0]).isEqualTo(1);
    }

    /**
     * One member's table can be behind (a member warming up records a standby as the holder and promises
     * its ballot): its refusal does not end a write that the others accept; only when no quorum comes
     * does the session prepare again.
     */
    @Test
    void oneMembersRefusalDoesNotEndAWriteTheOthersAccept() {
        Proposer<String> p = proposer("p");
        runToEnd(p, p.write(base -> "x"));
        acceptors.get("A").prepare(W, new Ballot(9, "standby"));
        Operation<String> accept = p.write(base -> base + "+y");

        assertThat(exchange(acceptors, p, accept, "A")).isNull();
        assertThat(exchange(acceptors, p, accept, "B", "C").kind()).isEqualTo(Operation.Kind.CHOSEN);

        assertThat(p.head().value()).isEqualTo("x+y");
        assertThat(p.isEstablished()).as("the refusal named a higher ballot").isFalse();
    }

    @Test
    void anAnswerToAnOlderOperationIsNotCounted() {
        Proposer<String> p = proposer("p");
        Operation<String> prepare = p.write(base -> "v");
        Operation<String> accept = exchange(acceptors, p, prepare, "A", "B");

        Answer<String> late = new Answer<>(Kind.PROMISED, 0, prepare.ballot(), null, null);
        assertThat(p.onAnswer("C", prepare.id(), late)).isNull();
        assertThat(p.retry()).isEqualTo(accept);
    }

    /**
     * Sessions writing the worker in turn, one write each (the turn's number appended), each giving its
     * lock back after it; returns the chain's head.
     */
    @SafeVarargs
    private String inTurn(int turns, Proposer<String>... sessions) {
        for (int turn = 1; turn <= turns; turn++) {
            Proposer<String> writer = sessions[(turn - 1) % sessions.length];
            String step = "+" + turn;
            runToEnd(writer, writer.write(base -> (base == null ? "" : base) + step));
            writer.cancel();
            assertThat(writer.head().value()).endsWith(step);
        }
        return sessions[(turns - 1) % sessions.length].head().value();
    }

    private Proposer<String> proposer(String session) {
        return new Proposer<>(session, W, voters::get, learned::add);
    }

    private void runToEnd(Proposer<String> proposer, Operation<String> operation) {
        while (operation != null && operation.kind() != Operation.Kind.CHOSEN) {
            operation = exchange(acceptors, proposer, operation, acceptors.keySet().toArray(String[]::new));
        }
        if (operation != null) {
            exchange(acceptors, proposer, operation, acceptors.keySet().toArray(String[]::new));
        }
    }
}
