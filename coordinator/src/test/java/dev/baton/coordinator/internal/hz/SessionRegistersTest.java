package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What a session sends of its register writes, and to whom: each operation once with the next message
 * to a member, again only to a member that did not receive it (a lost message, a snapshot asked for)
 * or did not answer within the resend interval; answers counted by voter, for the operation in flight,
 * of this lineage.
 */
class SessionRegistersTest {

    private static final long RESEND = 400;
    private static final String W = "w";
    private static final SlotState VALUE = SlotState.empty(W);

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, 5_500);
    private final SessionRegisters registers = new SessionRegisters("s1", voters, RESEND);

    SessionRegistersTest() {
        voters.learn(new Voters("0001-x", 1, List.of("n1@1", "n2@1", "n3@1")));
    }

    private CompletableFuture<SlotState> write() {
        return registers.write(W, base -> VALUE, 4, now.get());
    }

    @Test
    void anOperationGoesOnceToEachMemberAndAgainOnlyWhenItsResendIsDue() {
        write();

        assertThat(registers.owes("m2", "n2@1", now.get())).isTrue();
        List<RegisterOp> first = registers.toSend("m2", "n2@1", now.get());
        assertThat(first).singleElement().satisfies(op -> {
            assertThat(op.operation().kind()).isEqualTo(Operation.Kind.PREPARE);
            assertThat(op.afterSeq()).isEqualTo(4);
        });
        assertThat(registers.owes("m2", "n2@1", now.get() + 10)).as("sent, the answer is on its way").isFalse();
        assertThat(registers.toSend("m3", "n3@1", now.get())).as("another member gets it too").hasSize(1);

        now.addAndGet(RESEND);
        assertThat(registers.toSend("m2", "n2@1", now.get())).as("unanswered past the resend interval")
                .containsExactlyElementsOf(first);
    }

    /** A member that needed a snapshot applied none of the message: the operation goes with the next one. */
    @Test
    void anOperationGoesAgainAtOnceToAMemberThatDidNotReceiveIt() {
        write();
        List<RegisterOp> sent = registers.toSend("m2", "n2@1", now.get());

        registers.notReceived("m2", sent);

        assertThat(registers.toSend("m2", "n2@1", now.get() + 1)).containsExactlyElementsOf(sent);
    }

    /**
     * The fourteenth review, finding 6: a write no majority of register-taking voters can answer (most
     * voters run the release before, or have registers off) fails at once instead of waiting for ever.
     */
    @Test
    void aWriteFailsAtOnceWhenTooFewVotersTakeRegisters() {
        CompletableFuture<SlotState> pending = write();

        registers.takes("n2@1", false).forEach(Runnable::run);
        assertThat(pending).as("n1 and n3 still make a majority").isNotDone();
        registers.takes("n3@1", false).forEach(Runnable::run);

        assertThat(pending).isCompletedExceptionally();
        assertThat(registers.write("x", base -> SlotState.empty("x"), 4, now.get())).isCompletedExceptionally();
        registers.takes("n3@1", true);
        assertThat(registers.write("x", base -> SlotState.empty("x"), 4, now.get())).as("n3 took registers on")
                .isNotDone();
    }

    /**
     * Promises from a majority of voters establish the ballot, its accept goes out, and accepts from a
     * majority end the write with its value; a chosen notice then goes once to each member, numbered
     * apart (it is never sent again, so it must not hold back how far a member received).
     */
    @Test
    void aWriteEndsWithItsValueOnceAMajorityAnswersEachStep() {
        CompletableFuture<SlotState> written = write();
        RegisterOp prepare = registers.toSend("m2", "n2@1", now.get()).get(0);
        Ballot ballot = prepare.operation().ballot();

        answer("n1@1", prepare, new Answer<>(Answer.Kind.PROMISED, 1, ballot, null, null));
        answer("n2@1", prepare, new Answer<>(Answer.Kind.PROMISED, 1, ballot, null, null));
        RegisterOp accept = registers.toSend("m2", "n2@1", now.get()).get(0);
        assertThat(accept.operation().kind()).isEqualTo(Operation.Kind.ACCEPT);
        Accepted<SlotState> value = new Accepted<>(1, ballot, VALUE);
        answer("n1@1", accept, new Answer<>(Answer.Kind.ACCEPTED, 1, ballot, value, null));
        assertThat(written).isNotDone();
        answer("n3@1", accept, new Answer<>(Answer.Kind.ACCEPTED, 1, ballot, value, null));

        assertThat(written).isCompletedWithValue(VALUE);
        assertThat(registers.head(W)).isEqualTo(value);
        List<RegisterOp> notice = registers.toSend("m3", "n3@1", now.get());
        assertThat(notice).singleElement().satisfies(op -> {
            assertThat(op.operation().kind()).isEqualTo(Operation.Kind.CHOSEN);
            assertThat(op.number()).isEqualTo(-1);
        });
        assertThat(registers.toSend("m3", "n3@1", now.get() + RESEND)).as("a notice is sent once").isEmpty();
    }

    /**
     * Notices of many writes go to each member once, oldest first and a message's worth at a time, to a
     * member first asked late too while they are held; past the resend interval they are dropped.
     */
    @Test
    void manyNoticesGoOnceToEachMemberInPieces() {
        int writes = SessionRegisters.MAX_PER_MESSAGE + 44;
        for (int i = 0; i < writes; i++) {
            chosen("w" + i);
        }

        assertThat(workersOf(registers.toSend("m2", "n2@1", now.get()))).hasSize(SessionRegisters.MAX_PER_MESSAGE)
                .startsWith("w0", "w1");
        assertThat(registers.owes("m2", "n2@1", now.get())).isTrue();
        assertThat(workersOf(registers.toSend("m2", "n2@1", now.get()))).hasSize(44).endsWith("w" + (writes - 1));
        assertThat(registers.owes("m2", "n2@1", now.get())).isFalse();
        assertThat(registers.toSend("m2", "n2@1", now.get())).isEmpty();

        now.addAndGet(RESEND / 2);
        chosen("late");
        assertThat(workersOf(registers.toSend("m2", "n2@1", now.get()))).containsExactly("late");
        assertThat(workersOf(registers.toSend("m3", "n3@1", now.get()))).as("a member asked late gets those held")
                .hasSize(SessionRegisters.MAX_PER_MESSAGE);

        now.addAndGet(RESEND / 2);
        registers.retry(4, now.get());
        assertThat(workersOf(registers.toSend("m3", "n3@1", now.get()))).as("older than the resend interval: dropped")
                .containsExactly("late");
        assertThat(workersOf(registers.toSend("m4", "n4@1", now.get()))).containsExactly("late");
        assertThat(registers.owes("m2", "n2@1", now.get())).isFalse();
    }

    private static List<String> workersOf(List<RegisterOp> ops) {
        return ops.stream().peek(op -> assertThat(op.operation().kind()).isEqualTo(Operation.Kind.CHOSEN))
                .map(op -> op.operation().worker()).toList();
    }

    /** Writes {@code worker}'s register with two voters answering each step; its notice is then held. */
    private void chosen(String worker) {
        CompletableFuture<SlotState> written = registers.write(worker, base -> SlotState.empty(worker), 4, now.get());
        for (int step = 0; step < 2; step++) {
            RegisterOp op = registers.toSend("m1", "n1@1", now.get()).stream()
                    .filter(o -> o.operation().worker().equals(worker) && o.number() >= 0).findFirst().orElseThrow();
            Ballot ballot = op.operation().ballot();
            Answer<SlotState> answer = op.operation().kind() == Operation.Kind.PREPARE
                    ? new Answer<>(Answer.Kind.PROMISED, 1, ballot, null, null)
                    : new Answer<>(Answer.Kind.ACCEPTED, 1, ballot, new Accepted<>(1, ballot, op.operation().value()), null);
            for (String voter : List.of("n1@1", "n2@1")) {
                registers.onReply(new RegisterReply("s1", voter, "0001-x", List.of(new RegisterReply.Answered(worker,
                        op.operation().id(), answer))), 4, now.get()).forEach(Runnable::run);
            }
        }
        assertThat(written).isCompleted();
    }

    /** Answers of another lineage (a member of another cluster, after a split) count for nothing. */
    @Test
    void answersOfAnotherLineageAreDropped() {
        CompletableFuture<SlotState> written = write();
        RegisterOp prepare = registers.toSend("m2", "n2@1", now.get()).get(0);
        Ballot ballot = prepare.operation().ballot();

        for (String voter : List.of("n1@1", "n2@1", "n3@1")) {
            registers.onReply(new RegisterReply("s1", voter, "0002-other", List.of(new RegisterReply.Answered(W,
                    prepare.operation().id(), new Answer<>(Answer.Kind.PROMISED, 1, ballot, null, null)))), 4, now.get())
                    .forEach(Runnable::run);
        }

        assertThat(registers.toSend("m2", "n2@1", now.get())).as("still the prepare, answered by nobody")
                .allSatisfy(op -> assertThat(op.operation().kind()).isEqualTo(Operation.Kind.PREPARE));
        assertThat(written).isNotDone();
    }

    @Test
    void aCancelledWriteEndsWithNothing() {
        CompletableFuture<SlotState> written = write();

        registers.cancel(W).run();

        assertThat(written).isCompletedWithValue(null);
        assertThat(registers.owes("m2", "n2@1", now.get())).isFalse();
    }

    private static final Voters FOUR = new Voters("0001-x", 1, List.of("n1@1", "n2@1", "n3@1", "n4@1"));
    private static final Voters THREE_AFTER = new Voters("0001-x", 2, List.of("n1@1", "n2@1", "n3@1"));

    private static RegisterReply promised(String voter, RegisterOp op, long version) {
        Answer<SlotState> answer = new Answer<>(Answer.Kind.PROMISED, version, op.operation().ballot(), null, null);
        return new RegisterReply("s1", voter, "0001-x", List.of(new RegisterReply.Answered(W, op.operation().id(),
                answer)));
    }

    /**
     * The fifteenth review: four voters n1..n4, n4 dead. s1 (on n1) prepares; n1 and n2 promise under version 1 (two of four: no
     * quorum); n3's answer is lost. The voters remove the dead n4 (version 2, n1..n3); n3 gets the resend and
     * promises under version 2 (one of three). Every voter alive answered; nobody is asked again; the write
     * never ends (only a release or the session's death ends it).
     */
    @Test
    void answersSplitAcrossAVotersChangeAreAskedForAgain() {
        VoterState voters = new VoterState("n1", "1", now::get, 5_500);
        voters.learn(FOUR);
        SessionRegisters s1 = new SessionRegisters("s1", voters, RESEND);
        CompletableFuture<SlotState> done = s1.write(W, base -> SlotState.empty(W), 1, now.get());
        RegisterOp prepare = s1.toSend("m1", "n1@1", now.get()).get(0);
        assertThat(s1.toSend("m2", "n2@1", now.get())).containsExactly(prepare);
        assertThat(s1.toSend("m3", "n3@1", now.get())).containsExactly(prepare);
        s1.onReply(promised("n1@1", prepare, 1), 1, now.get());
        s1.onReply(promised("n2@1", prepare, 1), 1, now.get());

        voters.learn(THREE_AFTER);
        now.addAndGet(RESEND);
        s1.retry(1, now.get());
        assertThat(s1.toSend("m3", "n3@1", now.get())).as("n3's answer was lost: resent").containsExactly(prepare);
        s1.onReply(promised("n3@1", prepare, 2), 1, now.get());

        List<RegisterOp> again = new ArrayList<>();
        for (int i = 0; i < 50 && !done.isDone(); i++) {
            now.addAndGet(RESEND);
            s1.retry(1, now.get());
            again.addAll(s1.toSend("m1", "n1@1", now.get()));
            again.addAll(s1.toSend("m2", "n2@1", now.get()));
            again.addAll(s1.toSend("m3", "n3@1", now.get()));
        }
        assertThat(done.isDone() || !again.isEmpty())
                .as("after 50 resend intervals the write neither ended nor asked any voter again").isTrue();
    }

    private void answer(String voter, RegisterOp op, Answer<SlotState> answer) {
        registers.onReply(new RegisterReply("s1", voter, "0001-x", List.of(new RegisterReply.Answered(W,
                op.operation().id(), answer))), 4, now.get()).forEach(Runnable::run);
    }

    /**
     * Two sessions refused by each other's ballots at one instant (a hand-over, where the former holder's
     * late write meets the new holder's) must not prepare again at one instant, or they duel for ever.
     */
    @Test
    void twoProposersRefusedAtOneInstantPrepareAgainAtDifferentInstants() {
        List<Long> preparedAgainAt = new ArrayList<>();
        for (String session : List.of("n1/5309da331f01ebbb", "n2/a0c2e47d11b3c509")) {
            SessionRegisters s = new SessionRegisters(session, voters, RESEND);
            long start = now.get();
            s.write(W, base -> VALUE, 4, start);
            RegisterOp prepare = s.toSend("m2", "n2@1", start).get(0);
            Ballot higher = new Ballot(prepare.operation().ballot().round() + 1, "someone-else");
            for (String voter : List.of("n2@1", "n3@1")) {
                s.onReply(new RegisterReply(session, voter, "0001-x", List.of(new RegisterReply.Answered(W,
                        prepare.operation().id(), new Answer<>(Answer.Kind.REFUSED_BALLOT, 1, higher, null, null)))), 4,
                        start).forEach(Runnable::run);
            }
            long t = start;
            while (t < start + 3 * RESEND) {
                t++;
                s.retry(4, t);
                List<RegisterOp> sent = s.toSend("m2", "n2@1", t);
                if (!sent.isEmpty() && sent.get(0).operation().id() != prepare.operation().id()) {
                    assertThat(sent.get(0).operation().kind()).isEqualTo(Operation.Kind.PREPARE);
                    assertThat(sent.get(0).operation().ballot().isAbove(higher)).isTrue();
                    break;
                }
            }
            assertThat(t - start).as("prepared again within half to one and a half resend intervals")
                    .isBetween(RESEND / 2, RESEND * 3 / 2);
            preparedAgainAt.add(t - start);
        }
        assertThat(preparedAgainAt.get(0)).as("both after the same wait: they would duel").isNotEqualTo(
                preparedAgainAt.get(1));
    }
}
