package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Pull;
import dev.baton.coordinator.internal.register.RegisterLog;
import dev.baton.coordinator.internal.register.RegisterState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The sixteenth review's attacks on the pull (2026-12-07), each red on the first code: a gate built
 * while its configuration was unnamed stayed shut after it was named; a piece was forced on the session
 * loop's thread or its replies' thread; a failing force escaped the session loop's tick; a voter whose
 * new configuration was not kept answered a pull as knowing it.
 */
class VoterPullsReviewTest {

    private static final long GAP = 2_200;
    private static final long RETRY = 400;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));
    private final Voters v2 = v1.with("d@1");
    private final Map<String, Member> members = new HashMap<>();
    private final List<Runnable> inFlight = new ArrayList<>();
    /** Pieces installed on a thread of their own, as HzRegisters does. */
    private final java.util.concurrent.ExecutorService installs = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("test-register-pull").daemon(true).factory());

    @org.junit.jupiter.api.AfterEach
    void stopInstalls() throws InterruptedException {
        installs.shutdownNow();
        installs.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Waits until the pieces handed to the install thread so far are in. */
    private void installed() {
        try {
            installs.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private final class Member {
        final VoterState voters;
        final TableRegisters registers;
        final VoterPulls pulls;

        Member(String node, Voters known) {
            this(node, known, new MemoryRegisterLog<>());
        }

        Member(String node, Voters known, RegisterLog<SlotState> disk) {
            voters = new VoterState(node, "1", now::get, GAP);
            voters.learn(known);
            registers = new TableRegisters(disk, voters, (to, reply) -> { });
            pulls = new VoterPulls(voters, registers, this::call, RETRY, VoterPulls.PIECE, installs);
            voters.gate(pulls);
            members.put(voters.voterId(), this);
        }

        private void call(String memberUuid, PullRequest request, Consumer<PullReply> onReply) {
            Member to = members.get(memberUuid);
            inFlight.add(() -> onReply.accept(to == null ? null : to.registers.pull(request)));
        }

        void tick() {
            List<SessionTable.SessionInfo> sessions = members.keySet().stream()
                    .map(id -> new SessionTable.SessionInfo("s-" + id, Voters.nodeOf(id), id, id, false, v1.lineage(), 0))
                    .toList();
            pulls.tick(now.get(), sessions, voters.voterId());
        }
    }

    private void deliver() {
        while (!inFlight.isEmpty()) {
            List<Runnable> batch = new ArrayList<>(inFlight);
            inFlight.clear();
            batch.forEach(Runnable::run);
        }
    }

    private static Accepted<SlotState> value(String worker, long index) {
        return new Accepted<>(index, new Ballot(1, "s1"),
                new SlotState(worker, 0, index, 7, null, null, null, 0, 0, SlotState.Flags.NONE, "s1", 0));
    }

    /**
     * Liveness: a member whose configuration was unnamed at its first tick (heard from an older release,
     * or resumed from an older voter file) keeps a null gate for that version for good, although
     * VoterState.learn names the configuration as soon as a named copy arrives: VoterPulls.tick rebuilds
     * the gate only when lineage or version change.
     */
    @Test
    void aConfigurationNamedAfterTheFirstTickStillOpensTheGate() {
        Voters unnamed = new Voters(v2.lineage(), 2, v2.ids(), 0, 4);
        new Member("a", v2);
        new Member("b", v2);
        Member d = new Member("d", unnamed);
        d.tick();
        deliver();
        installed();

        d.voters.learn(v2); // any session message, voters reply or request from a member that knows the change
        assertThat(d.voters.current().before()).as("VoterState has the change now").isPresent();
        for (int i = 0; i < 10; i++) {
            now.addAndGet(RETRY);
            d.tick();
            deliver();
            installed();
        }

        now.addAndGet(GAP);
        assertThat(d.pulls.describe()).as("the gate after the change was named").doesNotContain("not known");
        assertThat(d.voters.changeAllowed()).as("the driver may propose v3").isTrue();
    }

    /**
     * Liveness: the piece is installed and the register log forced on the thread that delivers it: for a
     * remote voter the session replies thread (which also handles every renewal reply), for the local
     * voter the session loop thread itself (maintain -> pulls.tick, before the renewal round).
     */
    @Test
    void piecesAreForcedOnTheirOwnThreadNotOnTheOneThatTicksOrDeliversReplies() {
        List<String> forcedOn = java.util.Collections.synchronizedList(new ArrayList<>());
        RegisterLog<SlotState> watched = new SlowLog(0) {
            @Override
            public void force() {
                forcedOn.add(Thread.currentThread().getName());
                super.force();
            }
        };
        Member a = new Member("a", v2, watched);
        new Member("b", v2);
        a.registers.acceptor().install(new Pull<>(2, Map.of("w1", value("w1", 1))));
        forcedOn.clear();

        a.tick(); // the session loop: a is a voter of v1 and pulls itself at once
        deliver(); // the session replies thread: b's piece
        installed();

        assertThat(a.pulls.open(v2)).isTrue();
        assertThat(forcedOn).as("a force for its own piece and one for b's").hasSize(2)
                .allMatch("test-register-pull"::equals);
    }

    /**
     * Minor: a register log that cannot force (poisoned, not yet rewritten) makes pulls.tick throw on the
     * session loop thread: HzCoordination.maintain is cut short and SessionLoop.run skips that round.
     */
    @Test
    void aFailingForceDoesNotEscapeTheTick() {
        RegisterLog<SlotState> failing = new SlowLog(0) {
            @Override
            public void force() {
                throw new java.io.UncheckedIOException(new IOException("poisoned"));
            }
        };
        Member a = new Member("a", v2, failing);
        new Member("b", v2);

        org.assertj.core.api.Assertions.assertThatCode(a::tick).as("the session loop's maintain").doesNotThrowAnyException();
    }

    /**
     * Safety (the doc's own condition, "a member whose voter state failed to persist does not answer a
     * pull as knowing the new version"): VoterState.adopt goes on when persist() fails, and
     * TableRegisters.pull answers as knowing v2 though the voter file still says v1. After a restart
     * with that file (same voter id, same register log) the acceptor answers operations tagged v1 as a
     * v1 acceptor again, so a value can be chosen under v1 after the pull counted this voter.
     */
    @Test
    void aVoterWhoseV2DidNotPersistDoesNotAnswerThePullAsKnowingV2() {
        FlakyVoterStore store = new FlakyVoterStore();
        VoterState a = new VoterState("a", "1", now::get, GAP, RandomGenerator.getDefault(), store);
        a.learn(v1);
        store.failing = true;
        a.learn(v2);
        assertThat(a.current().version()).isEqualTo(2);
        MemoryRegisterLog<SlotState> disk = new MemoryRegisterLog<>();
        TableRegisters registers = new TableRegisters(disk, a, (to, reply) -> { });

        PullReply reply = registers.pull(new PullRequest(v2.lineage(), a.voterId(), "", 256));

        store.failing = false;
        VoterState restarted = new VoterState("a", null, now::get, GAP, RandomGenerator.getDefault(), store);
        TableRegisters after = new TableRegisters(disk, restarted, (to, r) -> { });
        Answer<SlotState> answer = after.acceptor().accept("w9", new Ballot(1, "s1"), 1, 1, value("w9", 1).value());
        assertThat(restarted.voterId()).isEqualTo(a.voterId());
        assertThat(answer.kind()).as("after the restart a accepts as a v1 acceptor").isEqualTo(Answer.Kind.ACCEPTED);
        assertThat(answer.version()).isEqualTo(1);

        assertThat(reply.answered() && reply.version >= 2)
                .as("answered the pull as knowing v2 while its disk said v%s", store.saved.current().version())
                .isFalse();
    }

    /** Pull request and reply through Hazelcast's serialization (the simulation passes objects). */
    @Test
    void aPullReplyTravels() {
        var serialization = new com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder()
                .addDataSerializableFactory(BatonSerialization.FACTORY_ID, new BatonSerialization()).build();
        Map<String, Accepted<SlotState>> values = new HashMap<>();
        for (int i = 0; i < VoterPulls.PIECE; i++) {
            String w = "wörker-\u0000-\uD83D\uDE00-" + i;
            values.put(w, value(w, i + 1));
        }
        PullReply sent = new PullReply("a@1", "0001-x", 2, false, values);
        PullReply read = serialization.toObject(serialization.toData(sent));
        assertThat(read.values).isEqualTo(values);
        assertThat(read.last).isFalse();
        assertThat(read.version).isEqualTo(2);
        PullRequest request = serialization.toObject(serialization.toData(
                new PullRequest("0001-x", "a@1", "wörker-\uD83D\uDE00", 256)));
        assertThat(request.after).isEqualTo("wörker-\uD83D\uDE00");
    }

    private static class SlowLog implements RegisterLog<SlotState> {
        private final MemoryRegisterLog<SlotState> inner = new MemoryRegisterLog<>();
        private final long millis;

        SlowLog(long millis) {
            this.millis = millis;
        }

        @Override
        public void write(String worker, RegisterState<SlotState> state) {
            inner.write(worker, state);
        }

        @Override
        public void force() {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inner.force();
        }

        @Override
        public Map<String, RegisterState<SlotState>> restore() {
            return inner.restore();
        }
    }
}
