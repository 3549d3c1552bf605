package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.RegisterLog;
import dev.baton.coordinator.internal.register.RegisterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Register writes on the lease protocol's messages at their edges (the fourteenth review's findings,
 * each red on the code it reviewed): a write of a dead session, of a refused lock, without a register
 * quorum; operations of another lineage; the answers' thread after an odd failure; how often a member
 * gets one operation, and how many one message carries.
 */
class RegisterWritesEdgesTest {

    private static final long EXPIRY = 5_500;
    private static final long RESEND = 400;
    private static final String W = "w";
    private static final SlotState VALUE = SlotState.empty(W);
    private static final Set<String> HELD = Set.of(W, "a", "b", "c");
    private static final Voters THREE = new Voters("0001-x", 1, List.of("n1@1", "n2@1", "n3@1"));

    private final AtomicLong now = new AtomicLong(1_000_000);

    private VoterState voters(String node) {
        VoterState v = new VoterState(node, "1", now::get, EXPIRY);
        v.learn(THREE);
        return v;
    }

    /** Member m1's lock table (voter n1@1) taking registers, on which session s2 (member m2) holds W. */
    private final class Acceptor {
        final VoterState voters = voters("n1");
        final SessionTable table = new SessionTable(EXPIRY, 1_500, now::get, voters, new FenceFloor(), () -> 42L);
        final List<RegisterReply> replies = new ArrayList<>();
        final TableRegisters registers;

        Acceptor(RegisterLog<SlotState> log) {
            registers = new TableRegisters(log, voters, (member, reply) -> replies.add(reply));
            table.listener(new SessionFixtures.Quiet());
            table.self("s1");
            table.registers(registers);
            table.receive(SessionMessage.snapshot("s1", "n1", "m1", 0, Set.of(), Set.of(W), false));
            table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, HELD, HELD, false));
        }

        SessionReply deliver(List<RegisterOp> ops) {
            SessionMessage m = SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), false);
            m.registerOps = ops;
            return table.receive(m);
        }
    }

    private static RegisterReply answer(String voter, RegisterOp op, Answer<SlotState> answer) {
        return new RegisterReply("s2", voter, THREE.lineage(), List.of(new RegisterReply.Answered(op.operation().worker(),
                op.operation().id(), answer)));
    }

    /**
     * Review 14, finding 3. The plan: "a message carries a few hundred at most, new ones first" and after a snapshot the
     * pending operations go "in pieces ... So 10,000 held workers cost some 20 messages, not one of 2 MB". The
     * session puts every pending operation in one message.
     */
    @Test
    void aMessageCarriesAFewHundredOperationsAtMost() {
        SessionRegisters s2 = new SessionRegisters("s2", voters("n2"), RESEND);
        for (int i = 0; i < 10_000; i++) {
            String w = "w" + i;
            s2.write(w, base -> SlotState.empty(w), 1, now.get());
        }

        assertThat(s2.toSend("m1", "n1@1", now.get()).size()).as("operations in one message").isLessThanOrEqualTo(500);
    }

    /**
     * Review 14, finding 5. The resend timer is the member's, not the operation's: an operation sent a moment before the
     * member's timer runs out goes again at once, before its answer could be forced and sent (the messages sent
     * while a force is pending repeat the burst, which the plan's numbering was to avoid).
     */
    @Test
    void anOperationSentAMomentAgoIsNotSentAgainWhenTheMembersTimerRunsOut() {
        SessionRegisters s2 = new SessionRegisters("s2", voters("n2"), RESEND);
        s2.write("x", base -> SlotState.empty("x"), 1, now.get());
        s2.toSend("m1", "n1@1", now.get());
        now.addAndGet(RESEND - 1);
        s2.write(W, base -> VALUE, 1, now.get());
        RegisterOp fresh = s2.toSend("m1", "n1@1", now.get()).get(0);

        now.addAndGet(1);
        assertThat(s2.toSend("m1", "n1@1", now.get())).as("sent 1 ns ago").doesNotContain(fresh);
    }

    /**
     * Review 14, finding 4. The force thread catches only UncheckedIOException and IllegalStateException: any other
     * RuntimeException from the log (an encoding failure in the rewrite of a poisoned FileRegisterLog is one)
     * ends the thread silently, and no register answer is ever sent again while the queue grows.
     */
    @Test
    void aForceFailingWithAnotherExceptionDoesNotEndTheAnswersForGood() throws InterruptedException {
        AtomicInteger forces = new AtomicInteger();
        MemoryRegisterLog<SlotState> memory = new MemoryRegisterLog<>();
        RegisterLog<SlotState> flaky = new RegisterLog<>() {
            @Override
            public void write(String worker, RegisterState<SlotState> state) {
                memory.write(worker, state);
            }

            @Override
            public void force() {
                if (forces.incrementAndGet() == 1) {
                    throw new IllegalArgumentException("a record the log could not encode");
                }
                memory.force();
            }

            @Override
            public Map<String, RegisterState<SlotState>> restore() {
                return memory.restore();
            }
        };
        VoterState v = voters("n1");
        BlockingQueue<RegisterReply> sent = new LinkedBlockingQueue<>();
        TableRegisters registers = new TableRegisters(flaky, v, (member, reply) -> sent.add(reply)).start("n1");
        try {
            Ballot ballot = new Ballot(1, "s2");
            RegisterOp prepare = new RegisterOp(0, 1, new Operation<>(0, Operation.Kind.PREPARE, W, ballot, 0, 0, null));
            registers.apply("s2", "m2", List.of(new TableRegisters.Judged(prepare, true)));
            Thread.sleep(200);
            // The proposer sends it again.
            registers.apply("s2", "m2", List.of(new TableRegisters.Judged(prepare, true)));

            assertThat(sent.poll(5, TimeUnit.SECONDS)).as("the answer to the resend").isNotNull();
        } finally {
            registers.close();
        }
    }

    /**
     * Review 14, finding 7 (LocalSession.release). A release gives up the worker's write only if the session holds the
     * worker: a write of a worker whose lock was refused (here at once, by this member's own table; the same for
     * a lock dropped as hopeless in credit()) is never given up. Its future never completes, and the session can
     * never write that worker again ("a write of w is under way") until the stale write completes, which it does
     * only once the session holds the worker again, with the stale value.
     */
    @Test
    void aReleaseGivesUpTheWriteAlsoWhenTheLockWasRefused() {
        SimulatedNetwork net = new SimulatedNetwork(7, 2000 * SimulatedNetwork.MS, 200 * SimulatedNetwork.MS, 1);
        net.registersOn = true;
        List<SimulatedNetwork.SimNode> nodes = net.voters(3);
        SimulatedNetwork.SimNode n0 = nodes.get(0);
        SimulatedNetwork.SimNode n1 = nodes.get(1);
        n1.session.acquire("a");
        net.awaitTrue(() -> n1.session.holds("a"), "n1 holds a");
        net.run(500);

        CompletableFuture<Boolean> granted = n0.session.acquire("a");
        CompletableFuture<SlotState> write = n0.session.writeRegister("a", base -> SlotState.empty("a"));
        n0.session.release("a", false);
        net.run(1000);

        assertThat(granted).isCompletedWithValue(false);
        assertThat(write).as("the write of a lock given back").isDone();
    }

    /**
     * Review 14, finding 2. A session that dies (it could not renew with a quorum in time) leaves its register writes
     * pending for good: checkValidity completes the lock futures and waiters but not the writes, onRegisterReply
     * ignores answers once dead, and the successor starts with new registers. A caller waiting for the write
     * (the claim, in step 2) waits forever.
     */
    @Test
    void aWriteOfASessionThatDiesEnds() {
        SimulatedNetwork net = new SimulatedNetwork(3, 2000 * SimulatedNetwork.MS, 200 * SimulatedNetwork.MS, 1);
        net.registersOn = true;
        List<SimulatedNetwork.SimNode> nodes = net.voters(3);
        SimulatedNetwork.SimNode n0 = nodes.get(0);
        n0.session.acquire("a");
        net.awaitTrue(() -> n0.session.holds("a"), "n0 holds a");
        LocalSession first = n0.session;

        net.cut(0, 1);
        net.cut(0, 2);
        CompletableFuture<SlotState> write = first.writeRegister("a", base -> SlotState.empty("a"));
        net.awaitTrue(() -> n0.session != first, "n0's session replaced");
        net.run(2000);

        assertThat(first.isDead()).isTrue();
        assertThat(write).as("the write of a dead session").isDone();
    }

    /**
     * Review 14, finding 6 (plan: "a reply of format below 3 counts as 'no registers', and a write that cannot reach a
     * register quorum fails at once instead of waiting"). With two of three voters without registers (the
     * release before, in a rolling update, or registers off there) a write waits for ever, resent to them every
     * fifth of a lease.
     */
    @Test
    void aWriteThatCannotReachARegisterQuorumFailsAtOnce() {
        SimulatedNetwork net = new SimulatedNetwork(5, 2000 * SimulatedNetwork.MS, 200 * SimulatedNetwork.MS, 1);
        net.registersOn = true;
        SimulatedNetwork.SimNode n0 = net.start("n0");
        net.run(100);
        net.registersOn = false;
        SimulatedNetwork.SimNode n1 = net.start("n1");
        net.run(100);
        SimulatedNetwork.SimNode n2 = net.start("n2");
        net.awaitTrue(() -> List.of(n0, n1, n2).stream().allMatch(n -> n.voters.current().size() == 3), "3 voters");
        n0.session.acquire("a");
        net.awaitTrue(() -> n0.session.holds("a"), "n0 holds a");
        int[] opsToOthers = {0};
        net.onSessionMessage = (to, m) -> opsToOthers[0] += to == n0 ? 0 : m.registerOps.size();

        CompletableFuture<SlotState> write = n0.session.writeRegister("a", base -> SlotState.empty("a"));
        net.run(10_000);

        assertThat(write).as("a write no register quorum can answer (%s operations sent to the members without "
                + "registers)", opsToOthers[0]).isDone();
    }

    /**
     * Review 14, finding 1 in the simulated cluster, no fault at all: a holder writing its workers' registers one write
     * after another. The slowest member's message is often in flight while the holder and the fastest member
     * make a majority, so it misses an operation now and then; from the first miss on, it gets every pending
     * operation again with every message.
     */
    @Test
    void aHealthyClusterReceivesEachOperationAboutOnce() {
        SimulatedNetwork net = new SimulatedNetwork(11, 2000 * SimulatedNetwork.MS, 200 * SimulatedNetwork.MS, 1);
        net.registersOn = true;
        List<SimulatedNetwork.SimNode> nodes = net.voters(3);
        SimulatedNetwork.SimNode n0 = nodes.get(0);
        List<String> workers = List.of("a", "b", "c");
        workers.forEach(n0.session::acquire);
        net.awaitTrue(() -> workers.stream().allMatch(n0.session::holds), "n0 holds a, b and c");
        java.util.Map<String, Integer> receipts = new java.util.HashMap<>();
        net.onSessionMessage = (to, m) -> m.registerOps.stream().filter(o -> o.number() >= 0)
                .forEach(o -> receipts.merge(to + "/" + m.session + "/" + o.number(), 1, Integer::sum));
        java.util.Map<String, CompletableFuture<SlotState>> writes = new java.util.HashMap<>();
        int[] written = {0};
        for (int t = 0; t < 10_000; t += 10) {
            for (String w : workers) {
                CompletableFuture<SlotState> f = writes.get(w);
                if (f == null || f.isDone()) {
                    writes.put(w, n0.session.writeRegister(w, base -> new SlotState(w, 0,
                            base == null ? 1 : base.fence() + 1, 0, null, null, null, 0, 0, SlotState.Flags.NONE,
                            "n0", 0)));
                    written[0]++;
                }
            }
            net.run(10);
        }

        java.util.Map<String, int[]> byMember = new java.util.TreeMap<>();
        receipts.forEach((key, count) -> {
            int[] c = byMember.computeIfAbsent(key.substring(0, key.indexOf('/')), k -> new int[2]);
            c[0]++;
            c[1] += count - 1;
        });
        StringBuilder summary = new StringBuilder();
        byMember.forEach((member, c) -> summary.append(member).append(": ").append(c[0]).append(" operations, ")
                .append(c[1]).append(" received again; "));
        for (String member : byMember.keySet()) {
            java.util.TreeSet<Long> got = new java.util.TreeSet<>();
            receipts.keySet().stream().filter(k -> k.startsWith(member + "/"))
                    .forEach(k -> got.add(Long.parseLong(k.substring(k.lastIndexOf('/') + 1))));
            long firstMissing = 0;
            while (got.contains(firstMissing)) {
                firstMissing++;
            }
            long gap = firstMissing;
            int before = receipts.entrySet().stream().filter(e -> e.getKey().startsWith(member + "/")
                    && Long.parseLong(e.getKey().substring(e.getKey().lastIndexOf('/') + 1)) < gap)
                    .mapToInt(e -> e.getValue() - 1).sum();
            summary.append(member).append(" never got operation ").append(gap).append(" (of ").append(got.last())
                    .append("), received again before it: ").append(before).append("; ");
        }
        int again = byMember.values().stream().mapToInt(c -> c[1]).sum();
        int distinct = byMember.values().stream().mapToInt(c -> c[0]).sum();
        assertThat(written[0]).isGreaterThan(30);
        assertThat(again).as("operations received again without any fault (%s)", summary).isLessThan(distinct / 10);
    }

    /**
     * Review 14, finding 8 (plan: "ballots, operations, snapshots and installs name their lineage"; *Lineages*: a register
     * of another history "taken as Paxos state ... would refuse every write, or be adopted as the head of the
     * chain"). Format 5's operations carry no lineage and the acceptor does not compare the message's: a
     * session of another lineage (clusters formed apart, meeting after a merge) that holds the worker in this
     * member's table has its accept at index 400 taken as this lineage's state.
     */
    @Test
    void anOperationOfAnotherLineageIsNotTakenAsState() {
        Acceptor m1 = new Acceptor(new MemoryRegisterLog<>());
        SessionMessage m = SessionMessage.delta("s2", "n2", "m2", 1, 1, List.of(), false)
                .about(new Voters("0002-other", 7, List.of("n2@1", "n4@1", "n5@1")), false, 0, 0, "n2@1");
        m.registerOps = List.of(new RegisterOp(0, 1, new Operation<>(0, Operation.Kind.ACCEPT, W, new Ballot(9, "s2"),
                7, 400, VALUE)));

        m1.table.receive(m);
        m1.registers.flush();

        assertThat(m1.registers.state(W)).as("this lineage's register of %s", W).isEqualTo(RegisterState.empty());
    }
}
