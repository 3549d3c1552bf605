package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.Exchanges.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.register.RegisterAudit.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The eighteenth review (2026-12-07), red on the code it read: a ballot established under v0 whose
 * accept reached one voter (A) at once, under v0 (no late message, no lag), sat at A with a ballot above
 * any the acceptors of v2 had promised, since the pull (from B and C, n - m + 1 of v0) carried values and
 * not promises, and A's value was not chosen. R then chose r2 under v2 at a lower ballot, and whoever
 * brought A's value into a prepare of v2 made Paxos's rule re-propose p2 at r2's index. The pull now
 * carries promises: the pulled voters meet the majority of v0 that promised (1, c), so C and D refuse
 * R's (1, b), and R's value is chosen under a ballot above it.
 */
class PromisesAcrossTwoChangesTest {

    private static final String W = "w";

    private final RegisterAudit audit = new RegisterAudit();
    private final Map<String, Acceptor<Value>> acceptors = new TreeMap<>();

    /** Up to R's value chosen under v2; returns nothing, leaves p2 at A under (1, c). */
    private void setUp(Map<Long, Set<String>> voters, List<String> v2Members) {
        for (String member : List.of("A", "B", "C")) {
            acceptors.put(member, new Acceptor<>(new MemoryRegisterLog<>(), 0));
        }
        Proposer<Value> first = proposer("a", voters);
        Operation<Value> next = first.write(base -> new Value("a1", "-"));
        next = exchange(acceptors, first, next, "A", "B", "C");
        next = exchange(acceptors, first, next, "A", "B", "C");
        exchange(acceptors, first, next, "A", "B", "C");
        assertThat(first.head().value().id()).isEqualTo("a1");

        // P prepares (1, c) under v0 on A and B; its accept of p2 reaches A at once (A knows v0), not the others.
        Proposer<Value> p = proposer("c", voters);
        Operation<Value> accept = exchange(acceptors, p, p.write(base -> new Value("p2", base.id())), "A", "B");
        assertThat(accept.kind()).isEqualTo(Operation.Kind.ACCEPT);
        exchange(acceptors, p, accept, "A");
        assertThat(acceptors.get("A").state(W).accepted().index()).isEqualTo(2);
        p.cancel(); // P's node dies, or its lock lapses: nothing more from it.

        // D joins (v1); the change after (v2) is accepted behind the pull, from B and C (2 of v0's 3, knowing v1).
        acceptors.put("D", new Acceptor<>(new MemoryRegisterLog<>(), 1));
        for (String member : v2Members) {
            PullGate<Value> gate = new PullGate<>(voters.get(0L), 1);
            for (String from : List.of("B", "C")) {
                acceptors.get(from).learn(1);
                gate.offer(from, acceptors.get(from).pull(), acceptors.get(member));
            }
            assertThat(gate.isOpen()).isTrue();
        }
        acceptors.values().forEach(acceptor -> acceptor.learn(2));

        // R prepares (1, b) on C and D (a majority of v2 either way): refused, they took (1, c)'s promise in
        // the pull; R prepares above it and gets r2 chosen at index 2.
        Proposer<Value> r = proposer("b", voters);
        Operation<Value> rs = r.write(base -> new Value("r2", base.id()));
        assertThat(rs.ballot()).isEqualTo(new Ballot(1, "b"));
        assertThat(acceptors.get("C").state(W).promised()).as("P's promise, pulled from B").isEqualTo(new Ballot(1, "c"));
        for (int i = 0; i < 8 && (r.head() == null || r.head().index() < 2); i++) {
            Operation<Value> step = exchange(acceptors, r, rs, "C", "D");
            rs = step != null ? step : r.retry();
        }
        assertThat(r.head().index()).isEqualTo(2);
        assertThat(r.head().ballot().isAbove(new Ballot(1, "c"))).isTrue();
        assertThat(r.head().value().id()).isEqualTo("r2");
    }

    /** Q, a later writer, prepares on {@code quorum} and writes on whatever it finds. */
    private void nextWriter(Map<Long, Set<String>> voters, String... quorum) {
        Proposer<Value> q = proposer("q", voters);
        Operation<Value> op = q.write(base -> new Value("q", base.id()));
        for (int i = 0; i < 8 && op != null && op.kind() != Operation.Kind.CHOSEN; i++) {
            op = exchange(acceptors, q, op, quorum);
        }
    }

    /**
     * The sixth review's configuration (A removed in v2, so no prepare of v2 asks A): anti-entropy at C
     * walks A (still a member of the lineage), finds (2, (1, c)) after its own (2, (1, b)) and installs it
     * (RegisterSync.digested's rule, then Acceptor.install). A prepare on B and C then re-proposes p2.
     */
    @Test
    void antiEntropyFromARemovedVoterChoosesASecondValueAtAnIndex() {
        Map<Long, Set<String>> voters = Map.of(0L, Set.of("A", "B", "C"), 1L, Set.of("A", "B", "C", "D"),
                2L, Set.of("B", "C", "D"));
        setUp(voters, List.of("B", "C", "D"));
        assertThat(audit.violations).isEmpty();

        // Were C to take A's register (RegisterSync now walks voters of its configuration only), A's value
        // no longer stands after C's: r2 holds a ballot above P's.
        Accepted<Value> atA = acceptors.get("A").state(W).accepted();
        Accepted<Value> atC = acceptors.get("C").state(W).accepted();
        assertThat(atA.index() == atC.index() && atC.ballot().isAbove(atA.ballot())).isTrue();
        acceptors.get("C").install(acceptors.get("A").values(List.of(W)));
        acceptors.get("C").force();

        nextWriter(voters, "B", "C");
        assertThat(audit.violations).as("r2 chosen at index 2 on C and D; then p2 chosen there on B and C").isEmpty();
    }

    /**
     * Without anti-entropy, when A stays a voter of v2 (B is removed instead): A's own register answers a
     * prepare of v2, with the same effect. The pull's premise covers values chosen under v0, not a value
     * accepted under v0 at a ballot the acceptors of v2 never promised.
     */
    @Test
    void aValueAcceptedUnderV0OnAVoterOfV2OutranksTheValueChosenUnderV2() {
        Map<Long, Set<String>> voters = Map.of(0L, Set.of("A", "B", "C"), 1L, Set.of("A", "B", "C", "D"),
                2L, Set.of("A", "C", "D"));
        setUp(voters, List.of("A", "C", "D"));
        assertThat(audit.violations).isEmpty();

        nextWriter(voters, "A", "C");
        assertThat(audit.violations).as("r2 chosen at index 2 on C and D; then p2 chosen there on A and C").isEmpty();
    }

    private Proposer<Value> proposer(String session, Map<Long, Set<String>> voters) {
        return new Proposer<>(session, W, voters::get, chosen -> audit.learned(session, W, chosen));
    }
}
