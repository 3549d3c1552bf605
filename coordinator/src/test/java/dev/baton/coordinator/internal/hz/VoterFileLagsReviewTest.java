package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Acceptor;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.Proposer;
import dev.baton.coordinator.internal.register.PullGate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The seventeenth review (2026-12-07), red on the code it read: TableRegisters answered with the
 * version the voter file keeps (VoterState.kept()), not the one the member knows. The promise-tag rule (an accept is refused if its tag is more than one below the
 * acceptor's version) is then judged against a version the member has moved past, and SessionTable's
 * learn-before-apply no longer protects it: a member that knows v3 from the very message that carries
 * an accept established under v1 takes that accept while its voter file write fails. This is the sixth
 * review's counter-example (PromiseAcrossTwoChangesTest) with B's disk failing.
 */
class VoterFileLagsReviewTest {

    private static final long GAP = 2_200;
    private static final String W = "w";

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("A@1", "B@1", "C@1"));
    private final Voters v2 = v1.with("D@1");
    private final Voters v3 = v2.without("A@1");
    private final Map<Long, Set<String>> voters = Map.of(1L, Set.copyOf(v1.ids()), 2L, Set.copyOf(v2.ids()),
            3L, Set.copyOf(v3.ids()));
    private final Map<String, Acceptor<SlotState>> acceptors = new TreeMap<>();
    /** Every value any proposer learned chosen, per index. */
    private final Map<Long, Set<SlotState>> chosen = new HashMap<>();

    private static SlotState value(String id) {
        return SyncMembers.value(W, id);
    }

    private Proposer<SlotState> proposer(String session) {
        return new Proposer<>(session, W, voters::get,
                c -> chosen.computeIfAbsent(c.index(), i -> new java.util.HashSet<>()).add(c.value()));
    }

    private Operation<SlotState> exchange(Proposer<SlotState> p, Operation<SlotState> op, String... to) {
        Operation<SlotState> next = null;
        for (String member : to) {
            Answer<SlotState> answer = op.applyTo(acceptors.get(member));
            acceptors.get(member).force();
            Operation<SlotState> step = answer == null ? null : p.onAnswer(member + "@1", op.id(), answer);
            if (step != null) {
                next = step;
            }
        }
        return next;
    }

    @Test
    void aMemberThatKnowsV3RefusesAnAcceptEstablishedUnderV1EvenIfItsVoterFileLags() {
        FlakyVoterStore store = new FlakyVoterStore();
        VoterState b = new VoterState("B", "1", now::get, GAP, RandomGenerator.getDefault(), store);
        b.learn(v1);
        TableRegisters bRegisters = new TableRegisters(new MemoryRegisterLog<>(), b, (to, r) -> { });
        acceptors.put("A", new Acceptor<>(new MemoryRegisterLog<>(), 1));
        acceptors.put("B", bRegisters.acceptor());
        acceptors.put("C", new Acceptor<>(new MemoryRegisterLog<>(), 1));

        Proposer<SlotState> first = proposer("a");
        Operation<SlotState> next = first.write(base -> value("a1"));
        next = exchange(first, next, "A", "B", "C");
        next = exchange(first, next, "A", "B", "C");
        exchange(first, next, "A", "B", "C");
        assertThat(first.head().value()).isEqualTo(value("a1"));

        // P takes the worker over under v1 with A's and B's promises; its accept stays on the wire.
        Proposer<SlotState> p = proposer("c");
        Operation<SlotState> held = exchange(p, p.write(base -> value("p2")), "A", "B");
        assertThat(held.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(held.tag()).isEqualTo(1);

        // D joins (v2), A leaves (v3), behind the pull as built. B's voter file cannot be written from here on.
        acceptors.put("D", new Acceptor<>(new MemoryRegisterLog<>(), 2));
        store.failing = true;
        b.learn(v2);
        acceptors.get("A").learn(2);
        acceptors.get("C").learn(2);
        // Values only, as the pull was before the eighteenth review: its promises would have C and D refuse
        // R's ballot below, and this shows the promise tags on their own.
        for (String member : List.of("C", "D")) {
            PullGate<SlotState> gate = new PullGate<>(Set.copyOf(v1.ids()), 2);
            for (String from : List.of("A", "C")) {
                dev.baton.coordinator.internal.register.Pull<SlotState> pulled = acceptors.get(from).pull();
                gate.offer(from + "@1", new dev.baton.coordinator.internal.register.Pull<>(pulled.version(),
                        pulled.values()), acceptors.get(member));
            }
            assertThat(gate.isOpen()).isTrue();
        }
        b.learn(v3);
        acceptors.get("A").learn(3);
        acceptors.get("C").learn(3);
        acceptors.get("D").learn(3);
        assertThat(b.current()).isEqualTo(v3);
        assertThat(b.kept().version()).as("B's voter file still says").isEqualTo(1);

        // R prepares (1, b): above a1's ballot (1, a), below P's (1, c); C and D promise it and choose r2.
        Proposer<SlotState> r = proposer("b");
        Operation<SlotState> rs = r.write(base -> value("r2"));
        assertThat(rs.ballot()).isEqualTo(new Ballot(1, "b"));
        rs = exchange(r, rs, "C", "D");
        exchange(r, rs, "C", "D");
        assertThat(r.head().value()).isEqualTo(value("r2"));
        long index = r.head().index();

        // P's accept arrives, in a message from P's session that carries v3 (learned first: B knows v3).
        b.learn(v3);
        Answer<SlotState> atB = held.applyTo(acceptors.get("B"));
        // P, refused for its tag by C and D, prepares again on B, C and D, and finishes its write.
        Operation<SlotState> again = exchange(p, held, "C", "D");
        for (int i = 0; i < 6 && again != null && again.kind() != Operation.Kind.CHOSEN; i++) {
            again = exchange(p, again, "B", "C", "D");
        }

        assertThat(chosen.get(index)).as("values learned chosen at index %s", index).hasSize(1);
        assertThat(atB.kind()).as("B knows v3: an accept whose ballot was established under v1 is two versions old")
                .isEqualTo(Answer.Kind.REFUSED_VERSION);
    }

    /** While a move to another lineage is not kept the acceptor answers with version 0, under which no tag is too old. */
    @Test
    void anUnkeptLineageMoveTakesNoAcceptWhateverItsTag() {
        FlakyVoterStore store = new FlakyVoterStore();
        VoterState b = new VoterState("B", "1", now::get, GAP, RandomGenerator.getDefault(), store);
        b.learn(v1);
        TableRegisters bRegisters = new TableRegisters(new MemoryRegisterLog<>(), b, (to, r) -> { });
        Voters other = new Voters("0000-y", 7, List.of("B@1", "X@1", "Y@1"), 1); // ranks above (a reset)
        store.failing = true;
        assertThat(b.learn(other)).isTrue();
        assertThat(b.current()).isEqualTo(other);

        Answer<SlotState> answer = bRegisters.acceptor().accept(W, new Ballot(5, "s"), 1, 3, value("late"));

        assertThat(bRegisters.state(W).accepted()).as("an accept tagged 1 taken by a member that knows v7")
                .isNull();
    }

    /**
     * Judged against the version it knows, but taking nothing while that version is not in its voter file:
     * after a crash it would resume as an acceptor of the version before, having answered as one of this.
     * Its answers wait until the file is written (the proposer asks again).
     */
    @Test
    void aMemberWhoseVoterFileLagsTakesNoRegisterOperationUntilItIsKept() {
        FlakyVoterStore store = new FlakyVoterStore();
        VoterState b = new VoterState("B", "1", now::get, GAP, RandomGenerator.getDefault(), store);
        b.learn(v1);
        List<RegisterReply> sent = new ArrayList<>();
        TableRegisters bRegisters = new TableRegisters(new MemoryRegisterLog<>(), b, (to, r) -> sent.add(r));
        store.failing = true;
        b.learn(v2);
        Operation<SlotState> prepare = new Operation<>(1, Operation.Kind.PREPARE, W, new Ballot(3, "s"), 0, 0, null);

        bRegisters.apply("s", "m1", List.of(new TableRegisters.Judged(new RegisterOp(1, 0, prepare), true)));
        bRegisters.flush();
        assertThat(bRegisters.state(W).promised()).as("v2 is not in its voter file yet").isEqualTo(Ballot.ZERO);
        assertThat(sent).isEmpty();

        store.failing = false;
        b.keepCurrent();
        bRegisters.apply("s", "m1", List.of(new TableRegisters.Judged(new RegisterOp(2, 0, prepare), true)));
        bRegisters.flush();
        assertThat(bRegisters.state(W).promised()).isEqualTo(new Ballot(3, "s"));
        assertThat(sent).singleElement().satisfies(r -> assertThat(r.answers).hasSize(1));
    }
}
