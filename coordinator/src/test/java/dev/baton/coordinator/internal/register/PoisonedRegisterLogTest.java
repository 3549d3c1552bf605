package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a failed force an acceptor has changed its memory for operations it never answered, and the
 * log refuses to force until it is written anew. What those operations changed must reach the new
 * file: otherwise a resend, which changes nothing and writes nothing, is answered for a state a
 * crash takes back, and two values get chosen at one index (or the pull gate opens on a value on no
 * disk).
 */
class PoisonedRegisterLogTest {

    private static final String W = "w";

    @TempDir
    Path dir;

    private final AtomicBoolean failing = new AtomicBoolean();
    private final Map<Long, Set<String>> voters = Map.of(0L, Set.of("A", "B", "C"));

    private FileRegisterLog<String> openA() throws IOException {
        return FileRegisterLog.open(dir.resolve("registers-A.log"), "inc-A", TEXT, (channel, path) -> {
            if (failing.get()) {
                throw new IOException("EIO");
            }
            channel.force(false);
        });
    }

    @Test
    void anAcceptRefusedByAPoisonedLogIsNotAnsweredAfterTheRewriteWithoutBeingDurable() throws IOException {
        FileRegisterLog<String> logA = openA();
        Acceptor<String> a = new Acceptor<>(logA, () -> 0L);
        Acceptor<String> b = new Acceptor<>(new MemoryRegisterLog<>(), 0);
        Acceptor<String> c = new Acceptor<>(new MemoryRegisterLog<>(), 0);
        List<Accepted<String>> learned1 = new ArrayList<>();
        Proposer<String> p1 = new Proposer<>("p1", W, voters::get, learned1::add);

        // p1 prepares on A, B, C.
        Operation<String> prepare = p1.write(base -> "x");
        Operation<String> accept = null;
        for (var e : Map.of("A", a, "B", b, "C", c).entrySet()) {
            Answer<String> answer = prepare.applyTo(e.getValue());
            e.getValue().force();
            Operation<String> next = p1.onAnswer(e.getKey(), prepare.id(), answer);
            if (next != null) {
                accept = next;
            }
        }
        assertThat(accept.kind()).isEqualTo(Operation.Kind.ACCEPT);

        // A's group-commit thread fails a force (another worker's write): the log is poisoned.
        a.prepare("other", new Ballot(1, "q"));
        failing.set(true);
        assertThatThrownBy(a::force).isInstanceOf(UncheckedIOException.class);

        // p1's accept reaches A meanwhile: applied in memory and written, but the log refuses to force, so no answer.
        accept.applyTo(a);
        assertThatThrownBy(a::force).isInstanceOf(UncheckedIOException.class);
        assertThat(a.state(W).accepted()).as("memory already holds it").isNotNull();

        // The owner writes the log anew, as the poison rule says; the disk works again.
        failing.set(false);
        logA.rewrite();

        // p1 resends (A did not answer): nothing changes, nothing is written, the force returns at once.
        Answer<String> again = accept.applyTo(a);
        a.force();
        assertThat(again.kind()).isEqualTo(Kind.ACCEPTED);
        p1.onAnswer("A", accept.id(), again);
        Answer<String> fromB = accept.applyTo(b);
        b.force();
        Operation<String> chosen = p1.onAnswer("B", accept.id(), fromB);
        assertThat(chosen.kind()).isEqualTo(Operation.Kind.CHOSEN);
        assertThat(learned1).extracting(Accepted::value).containsExactly("x");

        // A crashes and resumes from its log.
        logA.close();
        FileRegisterLog<String> logA2 = openA();
        Acceptor<String> a2 = new Acceptor<>(logA2, () -> 0L);

        // p2 takes over with A and C, a majority.
        List<Accepted<String>> learned2 = new ArrayList<>();
        Proposer<String> p2 = new Proposer<>("p2", W, voters::get, learned2::add);
        Operation<String> op = p2.write(base -> base == null ? "y" : base + "+y");
        for (int round = 0; round < 5 && op != null && op.kind() != Operation.Kind.CHOSEN; round++) {
            Operation<String> next = null;
            for (var e : Map.of("A", a2, "C", c).entrySet()) {
                Answer<String> answer = op.applyTo(e.getValue());
                e.getValue().force();
                Operation<String> step = p2.onAnswer(e.getKey(), op.id(), answer);
                if (step != null) {
                    next = step;
                }
            }
            op = next;
        }
        logA2.close();

        assertThat(learned2).as("index 1 was chosen as x on A and B; p2 must find it")
                .filteredOn(v -> v.index() == 1).extracting(Accepted::value).containsOnly("x");
    }
    /** The same hole through the pull gate: a pull counts towards the gate with its value on no disk. */
    @Test
    void aPullInstalledWhileThePoisonStoodCountsTowardsTheGateWithoutBeingDurable() throws IOException {
        FileRegisterLog<String> log = openA();
        Acceptor<String> member = new Acceptor<>(log, () -> 1L);
        Accepted<String> chosen = new Accepted<>(1, new Ballot(1, "s"), "x");
        Pull<String> fromB = new Pull<>(1, Map.of(W, chosen));
        Pull<String> fromC = new Pull<>(1, Map.of(W, chosen));
        PullGate<String> gate = new PullGate<>(Set.of("A", "B", "C"), 1);

        member.prepare("other", new Ballot(1, "q"));
        failing.set(true);
        assertThatThrownBy(member::force).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> gate.offer("B", fromB, member)).isInstanceOf(UncheckedIOException.class);
        failing.set(false);
        log.rewrite();

        assertThat(gate.offer("B", fromB, member)).isTrue();
        assertThat(gate.offer("C", fromC, member)).isTrue();
        assertThat(gate.isOpen()).isTrue();
        log.close();

        try (FileRegisterLog<String> resumed = openA()) {
            assertThat(resumed.restore()).as("the gate opened on values this member holds on disk")
                    .containsKey(W);
        }
    }
}
