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
 * The sixth review's counter-example, step by step: a promise made under voters version v does not
 * bind the acceptors of v + 2. P takes a worker over under v (A and B promise), and its accept is
 * held up on the wire. D joins and A leaves; C and D (a majority of B, C, D) pull the value chosen
 * so far, whose ballot is below P's, so they never promised P's ballot; R prepares a ballot between
 * the two on C and D and gets its value chosen at the next index. Then P's accept arrives. Without
 * the accept's promise tag, C and D take it (P's ballot is above R's) and so does B, and a second
 * value is chosen at that index; with it, every acceptor of version 2 refuses an accept whose ballot
 * was established under version 0, and P prepares again and finds R's value.
 */
class PromiseAcrossTwoChangesTest {

    private static final String W = "w";

    private final RegisterAudit audit = new RegisterAudit();
    private final Map<String, Acceptor<Value>> acceptors = new TreeMap<>();
    private final Map<Long, Set<String>> voters = Map.of(
            0L, Set.of("A", "B", "C"),
            1L, Set.of("A", "B", "C", "D"),
            2L, Set.of("B", "C", "D"));

    @Test
    void anAcceptWhoseBallotWasEstablishedTwoChangesAgoChoosesNothing() {
        for (String member : List.of("A", "B", "C")) {
            acceptors.put(member, new Acceptor<>(new MemoryRegisterLog<>(), 0));
        }
        Proposer<Value> first = proposer("a");
        Operation<Value> next = first.write(base -> new Value("a1", "-"));
        next = exchange(acceptors, first, next, "A", "B", "C");
        next = exchange(acceptors, first, next, "A", "B", "C");
        exchange(acceptors, first, next, "A", "B", "C");
        assertThat(first.head().value().id()).isEqualTo("a1");

        // P takes the worker over under version 0 with A's and B's promises; its accept stays on the wire.
        Proposer<Value> p = proposer("c");
        Operation<Value> held = exchange(acceptors, p, p.write(base -> new Value("p2", base.id())), "A", "B");
        assertThat(held.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(held.index()).isEqualTo(2);
        assertThat(held.ballot()).isEqualTo(new Ballot(1, "c"));

        // D joins (version 1); A leaves (version 2): B, C and D accept that change behind the pull. Its
        // values only, as the pull was before the eighteenth review: the promises it carries now would have
        // C and D refuse R's ballot below, and this test shows the promise tags keep P out on their own.
        acceptors.put("D", new Acceptor<>(new MemoryRegisterLog<>(), 1));
        for (String member : List.of("B", "C", "D")) {
            PullGate<Value> gate = new PullGate<>(voters.get(0L), 1);
            for (String from : List.of("B", "C")) {
                acceptors.get(from).learn(1);
                Pull<Value> pulled = acceptors.get(from).pull();
                gate.offer(from, new Pull<>(pulled.version(), pulled.values()), acceptors.get(member));
            }
            assertThat(gate.isOpen()).isTrue();
        }
        acceptors.values().forEach(acceptor -> acceptor.learn(2));

        // R prepares (1, b): above the chosen value's ballot (1, a), below P's (2, c); C and D promise it.
        Proposer<Value> r = proposer("b");
        Operation<Value> rs = r.write(base -> new Value("r2", base.id()));
        assertThat(rs.ballot()).isEqualTo(new Ballot(1, "b"));
        rs = exchange(acceptors, r, rs, "C", "D");
        exchange(acceptors, r, rs, "C", "D");
        assertThat(r.head().value().id()).isEqualTo("r2");

        // P's accept arrives at last.
        exchange(acceptors, p, held, "B", "C", "D");

        assertThat(audit.violations).isEmpty();
        assertThat(p.head().value().id()).as("P's head").isNotEqualTo("p2");
        for (int i = 0; i < 3 && p.isWriting(); i++) {
            Operation<Value> again = p.retry();
            while (again != null && again.kind() != Operation.Kind.CHOSEN) {
                again = exchange(acceptors, p, again, "B", "C", "D");
            }
        }
        assertThat(audit.violations).isEmpty();
        assertThat(p.head().index()).isEqualTo(3);
        assertThat(p.head().value()).isEqualTo(new Value("p2", "r2"));
    }

    private Proposer<Value> proposer(String session) {
        return new Proposer<>(session, W, voters::get, chosen -> audit.learned(session, W, chosen));
    }
}
