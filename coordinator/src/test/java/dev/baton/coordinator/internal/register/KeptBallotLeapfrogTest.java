package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.Exchanges.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The twenty-seventh review of the kept ballot (b5b0c14, 06e45a7): what a session whose ballot is carried
 * across a hand-over of the worker's lock does when its kept head is stale.
 */
class KeptBallotLeapfrogTest {

    private static final String W = "w";

    private final Map<String, Acceptor<String>> acceptors = new TreeMap<>();
    private final Map<Long, Set<String>> voters = Map.of(0L, Set.of("A", "B", "C"));
    private final List<Accepted<String>> learned = new ArrayList<>();

    KeptBallotLeapfrogTest() {
        for (String member : List.of("A", "B", "C")) {
            acceptors.put(member, new Acceptor<>(new MemoryRegisterLog<>(), 0));
        }
    }

    /**
     * Two sessions hand a worker back and forth (p, q, p, q: four claims, each on the other's value). Each
     * kept ballot's accept is refused once and prepares at once just above the ballot that refused it, so
     * the ballots leapfrog: q's is now a round above p's own highest. p's next write has nothing to write on
     * its kept head (a chained claim after q's slot, a trigger asked on q, a re-run of q's cut slot): it
     * prepares at its own highest's next round, which is below q's, and is refused; with nothing carried any
     * more, it waits for retry(), a resend interval (lease / 5) with no duel to avoid. Before b5b0c14 every
     * write prepared, the rounds went up in step, and this prepare was promised.
     */
    @Test
    void nothingToWriteOnAKeptHeadAfterLeapfroggingBallotsFinishesWithoutAResend() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        runToEnd(p, p.write(base -> "1"));
        p.cancel();
        runToEnd(q, q.write(base -> base + "+2"));
        q.cancel();
        runToEnd(p, p.write(base -> base + "+3"));
        p.cancel();
        runToEnd(q, q.write(base -> base + "+4"));
        q.cancel();
        assertThat(q.head().value()).isEqualTo("1+2+3+4");

        // On p's kept head ("1+2+3") there is nothing to write; on the chain's head ("1+2+3+4") there is.
        runToEnd(p, p.write(base -> base.endsWith("+4") ? base + "+5" : null));

        assertThat(p.isWriting()).as("the write finished with every answer in, no resend interval waited").isFalse();
        assertThat(p.written()).isEqualTo("1+2+3+4+5");
    }

    /** The same with a replay (an action asked again that p's kept head already holds). */
    @Test
    void aReplayOnAKeptHeadAfterLeapfroggingBallotsFinishesWithoutAResend() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        runToEnd(p, p.write(base -> "1"));
        p.cancel();
        runToEnd(q, q.write(base -> base + "+2"));
        q.cancel();
        runToEnd(p, p.write(base -> base + "+pause"));
        p.cancel();
        runToEnd(q, q.write(base -> base + "+4"));
        q.cancel();

        runToEnd(p, p.write(base -> base.contains("+pause") && !base.endsWith("+pause") ? base + "+again"
                : base.endsWith("+pause") ? base : base + "+pause"));

        assertThat(p.isWriting()).as("the write finished with every answer in, no resend interval waited").isFalse();
        assertThat(p.written()).isEqualTo("1+2+pause+4+again");
    }

    /**
     * Not only the lower-named of two sessions: with three taking turns (a worker moving round three nodes),
     * each kept accept refused prepares a round above the one before, and a session's own highest ballot falls
     * rounds behind the chain's. Here r, the highest-named, has nothing to write on its kept head and is
     * refused. Before b5b0c14 the three prepared in turn from their own highest and were never refused.
     */
    @Test
    void nothingToWriteOnAKeptHeadWithThreeSessionsInTurnFinishesWithoutAResend() {
        Proposer<String> p = proposer("p");
        Proposer<String> q = proposer("q");
        Proposer<String> r = proposer("r");
        String chain = "";
        for (int turn = 1; turn <= 8; turn++) {
            Proposer<String> writer = List.of(p, q, r).get((turn - 1) % 3);
            String step = "+" + turn;
            runToEnd(writer, writer.write(base -> (base == null ? "" : base) + step));
            writer.cancel();
            chain += step;
            assertThat(writer.written()).isEqualTo(chain);
        }
        String head = chain;

        // r's turn: on its kept head ("+1..+6") nothing to write; on the chain's head ("+1..+8") there is.
        runToEnd(r, r.write(base -> base.equals(head) ? base + "+9" : null));

        assertThat(r.isWriting()).as("the write finished with every answer in, no resend interval waited").isFalse();
        assertThat(r.written()).isEqualTo(head + "+9");
    }

    private Proposer<String> proposer(String session) {
        return new Proposer<>(session, W, voters::get, learned::add);
    }

    /** Delivers every operation to every acceptor until none is left: no retry(), so no resend interval. */
    private void runToEnd(Proposer<String> proposer, Operation<String> operation) {
        while (operation != null && operation.kind() != Operation.Kind.CHOSEN) {
            operation = exchange(acceptors, proposer, operation, acceptors.keySet().toArray(String[]::new));
        }
        if (operation != null) {
            exchange(acceptors, proposer, operation, acceptors.keySet().toArray(String[]::new));
        }
    }
}
