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

/**
 * One member refuses a re-proposal (it promised a standby's ballot) and the others choose it all the
 * same: the write that follows goes out under the ballot's real version, accepted by those that
 * promised it, not as an operation no version knows.
 */
class RefusedReproposalTest {

    private static final String W = "w";
    private final Map<String, Acceptor<String>> acceptors = new TreeMap<>();
    private final Map<Long, Set<String>> voters = Map.of(1L, Set.of("A", "B", "C"));

    RefusedReproposalTest() {
        for (String member : List.of("A", "B", "C")) {
            acceptors.put(member, new Acceptor<>(new MemoryRegisterLog<>(), 1));
        }
    }

    @Test
    void theWriteAfterARefusedButChosenReproposalIsNotSentWithTagMinusOne() {
        // Session o accepted "a" at index 1 on A only, then died.
        acceptors.get("A").prepare(W, new Ballot(1, "o"));
        acceptors.get("A").accept(W, new Ballot(1, "o"), 1, 1, "a");

        Proposer<String> p = new Proposer<>("p", W, voters::get, v -> { });
        Operation<String> prepare = p.write(base -> base == null ? "p" : base + "+p");
        Operation<String> repropose = exchange(acceptors, p, prepare, "A", "B", "C");
        assertThat(repropose.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(repropose.value()).isEqualTo("a");
        assertThat(repropose.tag()).isEqualTo(1);

        // A warming member promises a standby's ballot before the re-proposal reaches it.
        acceptors.get("A").prepare(W, new Ballot(9, "standby"));
        assertThat(exchange(acceptors, p, repropose, "A")).isNull();
        Operation<String> write = exchange(acceptors, p, repropose, "B", "C");

        assertThat(write.kind()).isEqualTo(Operation.Kind.ACCEPT);
        assertThat(write.index()).isEqualTo(2);
        List<Kind> kinds = new ArrayList<>();
        for (String member : List.of("B", "C")) {
            kinds.add(write.applyTo(acceptors.get(member)).kind());
        }
        assertThat(kinds).as("B and C promised p's ballot and hold nothing later").containsOnly(Kind.ACCEPTED);
        assertThat(write.tag()).as("an accept carries the version its ballot's promises were counted under")
                .isGreaterThanOrEqualTo(0);
    }
}
