package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.RegisterLog;
import dev.baton.coordinator.internal.register.RegisterState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member's lock table as an acceptor of register operations (step 1, off in the product): which
 * operations it answers, where among a message's lock changes it judges them, and that their answers
 * wait for the force while the lock's reply does not.
 */
class TableRegistersTest {

    private static final long EXPIRY = 5_500;
    private static final String W = "w";

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, EXPIRY);
    private final SessionTable table = new SessionTable(EXPIRY, 1_500, now::get, voters, new FenceFloor(), () -> 42L);
    private final BlockingQueue<RegisterReply> sent = new LinkedBlockingQueue<>();
    private final HeldLog disk = new HeldLog();
    private final TableRegisters registers = new TableRegisters(disk, voters, (member, reply) -> {
        assertThat(member).isEqualTo("m2");
        sent.add(reply);
    }).start("n1");
    private long numbers;

    TableRegistersTest() {
        table.listener(new SessionFixtures.Quiet());
        table.self("s1");
        table.registers(registers);
        table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of(W), false));
    }

    @AfterEach
    void stop() {
        disk.release.countDown();
        registers.close();
    }

    private static final SlotState CLAIM = SlotState.empty(W);

    private RegisterOp op(long afterSeq, Operation.Kind kind, Ballot ballot) {
        return new RegisterOp(numbers++, afterSeq, new Operation<>(numbers, kind, W, ballot, 0,
                kind == Operation.Kind.PREPARE ? 0 : 1, kind == Operation.Kind.PREPARE ? null : CLAIM));
    }

    private SessionReply send(long base, long seq, List<SessionOp> ops, RegisterOp... registerOps) {
        SessionMessage m = SessionMessage.delta("s2", "n2", "m2", base, seq, ops, false);
        m.registerOps = List.of(registerOps);
        return table.receive(m);
    }

    private List<RegisterReply.Answered> answers() throws InterruptedException {
        RegisterReply reply = sent.poll(10, TimeUnit.SECONDS);
        assertThat(reply).as("a register reply").isNotNull();
        return reply.answers;
    }

    private void s2Holds() {
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(W), Set.of(W), false));
    }

    @Test
    void aHoldersOperationIsAnsweredByThisVoterAfterTheForce() throws InterruptedException {
        disk.release.countDown();
        s2Holds();
        Ballot ballot = new Ballot(1, "s2");

        SessionReply reply = send(1, 1, List.of(), op(1, Operation.Kind.PREPARE, ballot));

        RegisterReply answered = sent.poll(10, TimeUnit.SECONDS);
        assertThat(answered.session).isEqualTo("s2");
        assertThat(answered.voterId).isEqualTo(voters.voterId());
        assertThat(answered.answers).singleElement().satisfies(a -> {
            assertThat(a.answer().kind()).isEqualTo(Answer.Kind.PROMISED);
            assertThat(a.operation()).isEqualTo(1);
        });
        assertThat(disk.forcedPromise()).as("forced before it was sent").isEqualTo(ballot);
        assertThat(reply.registers).as("this member takes registers").isTrue();
    }

    /** Only a lock's holder proposes: a session this member refused the lock does not move its register. */
    @Test
    void aSessionThatDoesNotHoldTheWorkerHereIsNotAnswered() throws InterruptedException {
        disk.release.countDown();
        table.receive(SessionMessage.snapshot("s3", "n3", "m3", 1, Set.of(W), Set.of(W), false));
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(), Set.of(W), false));

        SessionReply reply = send(1, 2, List.of(new SessionOp(2, SessionOp.Kind.ACQUIRE, W, false)),
                op(2, Operation.Kind.PREPARE, new Ballot(7, "s2")));

        assertThat(reply.refused).containsExactly(W);
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(registers.state(W)).isEqualTo(RegisterState.empty());
    }

    /**
     * An end of a run and the release after it, in one message: the end is judged where it stands,
     * before the release hands the lock over; an operation placed after the release is not answered.
     */
    @Test
    void eachOperationIsJudgedAfterTheLockChangeItFollows() throws InterruptedException {
        disk.release.countDown();
        s2Holds();

        send(1, 2, List.of(new SessionOp(2, SessionOp.Kind.RELEASE, W, false)),
                op(2, Operation.Kind.PREPARE, new Ballot(9, "s2")), op(1, Operation.Kind.ACCEPT, new Ballot(1, "s2")));

        assertThat(answers()).singleElement().satisfies(a -> assertThat(a.answer().kind()).isEqualTo(Answer.Kind.ACCEPTED));
        assertThat(registers.state(W).promised()).as("the prepare after the release moved nothing")
                .isEqualTo(new Ballot(1, "s2"));
    }

    /** A slow disk delays the answers, never the lock's reply (which renewals wait on). */
    @Test
    void theLocksReplyDoesNotWaitForTheForce() throws Exception {
        s2Holds();

        SessionReply reply = CompletableFuture.supplyAsync(() -> send(1, 2,
                List.of(new SessionOp(2, SessionOp.Kind.REGISTER, "other", false)),
                op(2, Operation.Kind.PREPARE, new Ballot(1, "s2")))).get(10, TimeUnit.SECONDS);

        assertThat(reply.appliedSeq).isEqualTo(2);
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).as("not forced yet").isNull();
        disk.release.countDown();
        assertThat(answers()).hasSize(1);
    }

    /** A message the member cannot apply (it needs a snapshot first) has its operations sent again after it. */
    @Test
    void operationsOfAMessageThatNeedsASnapshotAreNotReceived() throws InterruptedException {
        disk.release.countDown();
        SessionReply first = send(3, 4, List.of(), op(4, Operation.Kind.PREPARE, new Ballot(1, "s2")));
        s2Holds();
        SessionReply later = send(1, 1, List.of());

        assertThat(first.status).isEqualTo(SessionReply.Status.NEED_SNAPSHOT);
        assertThat(later.status).isEqualTo(SessionReply.Status.APPLIED);
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    /** A chosen notice reports a fact: a member behind takes it from whoever sends it, and answers nothing. */
    @Test
    void aChosenNoticeIsTakenFromAnySession() throws InterruptedException {
        disk.release.countDown();
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of(), Set.of(W), false));

        send(1, 1, List.of(), op(1, Operation.Kind.CHOSEN, new Ballot(4, "s9")));

        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(registers.state(W).chosen()).isNotNull();
        assertThat(registers.state(W).chosen().value()).isEqualTo(CLAIM);
    }

    /** With registers off (the product today) operations are ignored and the reply says "no registers". */
    @Test
    void withoutRegistersOperationsAreIgnored() {
        table.registers(null);
        s2Holds();

        SessionReply reply = send(1, 1, List.of(), op(1, Operation.Kind.PREPARE, new Ballot(1, "s2")));

        assertThat(reply.registers).isFalse();
        assertThat(registers.state(W)).isEqualTo(RegisterState.empty());
    }

    /** A register log whose forces wait until the test releases them, and that remembers what they made durable. */
    private static final class HeldLog implements RegisterLog<SlotState> {
        final CountDownLatch release = new CountDownLatch(1);
        private final MemoryRegisterLog<SlotState> memory = new MemoryRegisterLog<>();
        private volatile Map<String, RegisterState<SlotState>> forced = Map.of();
        private final Map<String, RegisterState<SlotState>> written = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void write(String worker, RegisterState<SlotState> state) {
            written.put(worker, state);
            memory.write(worker, state);
        }

        @Override
        public void force() {
            Map<String, RegisterState<SlotState>> snapshot = Map.copyOf(written);
            try {
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the force");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            memory.force();
            forced = snapshot;
        }

        @Override
        public Map<String, RegisterState<SlotState>> restore() {
            return memory.restore();
        }

        Ballot forcedPromise() {
            RegisterState<SlotState> state = forced.get(W);
            return state == null ? null : state.promised();
        }
    }
}
