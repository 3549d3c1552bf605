package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Pull;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A member that knows v + 1 pulls the registers of the voters of v, piece by piece, before it accepts
 * v + 2: from enough of them to meet every majority of v, each piece read while its voter knew v + 1.
 */
class VoterPullsTest {

    private static final long GAP = 2_200;
    private static final long RETRY = 400;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Voters v1 = new Voters("0001-x", 1, List.of("a@1", "b@1", "c@1"));
    private final Voters v2 = v1.with("d@1");
    private final Map<String, Member> members = new HashMap<>();
    private final List<Runnable> inFlight = new ArrayList<>();

    /** A member: its voter state and its registers, reached by its voter id as member uuid. */
    private final class Member {
        final VoterState voters;
        final MemoryRegisterLog<SlotState> disk = new MemoryRegisterLog<>();
        final TableRegisters registers;
        final VoterPulls pulls;

        Member(String node, Voters known) {
            voters = new VoterState(node, "1", now::get, GAP);
            voters.learn(known);
            registers = new TableRegisters(disk, voters, (to, reply) -> { });
            pulls = new VoterPulls(voters, registers, this::call, RETRY, VoterPulls.PIECE, Runnable::run);
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

        void holds(String worker, long index) {
            registers.acceptor().install(new Pull<>(2, Map.of(worker, value(worker, index))));
        }
    }

    private static Accepted<SlotState> value(String worker, long index) {
        return new Accepted<>(index, new Ballot(1, "s1"),
                new SlotState(worker, 0, index, 7, null, null, null, 0, 0, SlotState.Flags.NONE, "s1", 0));
    }

    private void deliver() {
        while (!inFlight.isEmpty()) {
            List<Runnable> now = new ArrayList<>(inFlight);
            inFlight.clear();
            now.forEach(Runnable::run);
        }
    }

    @Test
    void theGateOpensOnceEnoughVotersOfTheVersionBeforeWerePulledAndTheirValuesAreKeptHere() {
        Member a = new Member("a", v2);
        new Member("b", v2);
        Member d = new Member("d", v2);
        a.holds("w1", 5);
        assertThat(d.pulls.open(v2)).as("nothing pulled").isFalse();

        d.tick();
        assertThat(d.pulls.open(v2)).as("asked, not answered").isFalse();
        deliver();

        assertThat(d.pulls.open(v2)).as("a and b answered; c is gone (2 of 3 meet every majority of 3)").isTrue();
        assertThat(d.registers.state("w1").accepted()).isEqualTo(value("w1", 5));
        assertThat(d.disk.hasUnforcedWrites()).as("forced before it counted").isFalse();
        assertThat(d.pulls.open(v1)).as("a lineage's first version needs no pull").isTrue();
    }

    @Test
    void aVoterThatDidNotKnowTheNextVersionIsAskedAgainFromTheStart() {
        Member a = new Member("a", v1);
        new Member("b", v2);
        Member d = new Member("d", v2);

        d.tick();
        deliver();
        assertThat(d.pulls.open(v2)).as("a knew only v1 when it read its registers").isFalse();
        assertThat(d.pulls.describe()).contains("a@1").contains("c@1");

        a.voters.learn(v2);
        d.tick();
        deliver();
        assertThat(d.pulls.open(v2)).as("not asked again before the retry interval").isFalse();
        now.addAndGet(RETRY);
        d.tick();
        deliver();
        assertThat(d.pulls.open(v2)).isTrue();
    }

    @Test
    void aVoterWithMoreWorkersThanAPieceIsPulledPieceByPiece() {
        Member a = new Member("a", v2);
        Member b = new Member("b", v2);
        Member d = new Member("d", v2);
        int workers = VoterPulls.PIECE * 2 + 10;
        for (int i = 0; i < workers; i++) {
            (i % 2 == 0 ? a : b).holds(String.format("w%04d", i), i + 1);
        }

        int ticks = 0;
        while (!d.pulls.open(v2) && ticks++ < 10) {
            d.tick();
            deliver();
        }

        assertThat(d.pulls.open(v2)).isTrue();
        assertThat(ticks).as("pieces asked one tick after another").isGreaterThan(1);
        for (int i = 0; i < workers; i++) {
            String w = String.format("w%04d", i);
            assertThat(d.registers.state(w).accepted()).as(w).isEqualTo(value(w, i + 1));
        }
    }

    /**
     * v2 written by a release that named no change: v1 was v2 with one voter more (removed) or one less
     * (added). Three of v2's four voters cover every majority of v1 either way: of five (three needed) or
     * of three, one of which may be the added voter (two needed, plus one).
     */
    @Test
    void aVersionWhoseChangeIsNotKnownPullsEnoughOfItsOwnVotersToCoverTheVersionBeforeEitherWay() {
        Voters unnamed = new Voters(v2.lineage(), 2, v2.ids(), 0, 4);
        new Member("a", v2);
        Member d = new Member("d", unnamed);

        d.tick();
        deliver();
        assertThat(d.pulls.open(d.voters.current())).as("a and d: two of v2's four").isFalse();
        assertThat(d.pulls.describe()).contains("not known").contains("3 of");

        new Member("b", v2);
        now.addAndGet(RETRY);
        d.tick();
        deliver();
        assertThat(d.pulls.open(d.voters.current())).isTrue();
    }

    @Test
    void aNewVersionStartsANewGateAndAnAnswerForTheOldOneCountsForNothing() {
        Member a = new Member("a", v2);
        Member b = new Member("b", v2);
        Member d = new Member("d", v2);
        d.tick();
        List<Runnable> forV2 = new ArrayList<>(inFlight);
        inFlight.clear();

        Voters v3 = v2.without("c@1");
        List.of(a, b, d).forEach(m -> m.voters.learn(v3));
        forV2.forEach(Runnable::run);
        assertThat(d.pulls.open(v3)).as("answers for v2's gate").isFalse();

        d.tick();
        deliver();
        assertThat(d.pulls.open(v3)).as("pulled from the voters of v2 (a, b, d of a, b, c, d: 2 needed)").isTrue();
    }

    @Test
    void aMemberAnswersAPullOnlyAsTheVoterAndLineageAsked() {
        Member a = new Member("a", v2);
        a.holds("w1", 3);

        assertThat(a.registers.pull(new PullRequest(v2.lineage(), "a@2", "", 10)).answered()).as("another life of a")
                .isFalse();
        assertThat(a.registers.pull(new PullRequest("0002-y", "a@1", "", 10)).answered()).as("another lineage")
                .isFalse();
        PullReply reply = a.registers.pull(new PullRequest(v2.lineage(), "a@1", "", 10));
        assertThat(reply.version).isEqualTo(2);
        assertThat(reply.last).isTrue();
        assertThat(reply.values).containsOnlyKeys("w1");
    }
}
