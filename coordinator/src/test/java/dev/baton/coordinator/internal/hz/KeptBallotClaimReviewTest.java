package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Acceptor;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A session that keeps its ballot across its holds of a worker's lock (the twenty-sixth review), with the
 * claim and flag rules the product writes with: after another session wrote meanwhile (it preferred the
 * worker for a while, or held it for a run), the session's next claim, re-run, chained claim or action is
 * judged on the chain's head, never refused or told it holds on the head the session last knew; and after
 * the worker went back and forth, when ballots leapfrogged, without a resend interval's wait (the
 * twenty-seventh review).
 */
class KeptBallotClaimReviewTest {

    private static final long RESEND = 400;
    private static final String W = "w";
    private static final String LINEAGE = "0001-x";
    private static final List<String> IDS = List.of("n1@1", "n2@1", "n3@1");

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, 5_500);
    private final Map<String, Acceptor<SlotState>> acceptors = new LinkedHashMap<>();

    KeptBallotClaimReviewTest() {
        voters.learn(new Voters(LINEAGE, 1, IDS));
        for (String id : IDS) {
            acceptors.put(id, new Acceptor<>(new MemoryRegisterLog<>(), 1));
        }
    }

    @Test
    void aClaimOfAWorkerResumedElsewhereIsNotRefusedOnTheKeptPausedHead() {
        SessionRegisters p = new SessionRegisters("s-p", voters, RESEND);
        SessionRegisters q = new SessionRegisters("s-q", voters, RESEND);

        // p (preferred) writes an operator's pause under the lock it took for it, then gives the lock back.
        SlotState paused = run("s-p", p, base -> ClaimRules.flag(orEmpty(base), ClaimRules.Flag.PAUSE, 10, 0, 0).state());
        assertThat(paused.flags().paused()).isTrue();
        p.cancel(W).run();

        // Meanwhile q (preferred for a while, or holding the lock for a run) writes the resume, and gives the lock back.
        SlotState resumed = run("s-q", q, base -> {
            ClaimRules.Flagged f = ClaimRules.flag(orEmpty(base), ClaimRules.Flag.RESUME, 20, 0, 0);
            return f.above() == 0 ? f.state() : null;
        });
        assertThat(resumed.flags().paused()).isFalse();
        q.cancel(W).run();
        assertThat(acceptors.get("n1@1").state(W).accepted().value().flags().paused()).isFalse();

        // p's scheduled claims (the engine plans from its read: resumed): each refused is given back and asked again.
        SlotState claimed = null;
        for (int attempt = 1; attempt <= 3 && claimed == null; attempt++) {
            long id = attempt;
            Instant slot = Instant.ofEpochMilli(60_000L * attempt);
            claimed = run("s-p", p, claim(ClaimRequest.scheduled(W, slot), "s-p", id, 1_000));
            p.cancel(W).run();
        }

        assertThat(claimed).as("a claim of the resumed worker is granted").isNotNull();
        assertThat(claimed.isRunning()).isTrue();
    }

    /**
     * No operator needed: a chained worker (each claim names the last slot it follows, planned from the
     * read record) handed to another session and back. q claimed and ended slot 2 while p did not hold
     * the lock; p's claim of slot 3 after slot 2 is judged on p's kept head (last slot 1), refused with
     * no message, and so is every later one: the worker's chain never moves on p again.
     */
    @Test
    void aChainedClaimAfterAHandOverAndBackIsNotRefusedOnTheKeptHead() {
        SessionRegisters p = new SessionRegisters("s-p", voters, RESEND);
        SessionRegisters q = new SessionRegisters("s-q", voters, RESEND);
        Instant slot1 = Instant.ofEpochMilli(60_000);
        Instant slot2 = Instant.ofEpochMilli(120_000);
        Instant slot3 = Instant.ofEpochMilli(180_000);

        SlotState one = claimAndEnd("s-p", p, ClaimRequest.chained(W, slot1, java.util.Optional.empty()), 1);
        assertThat(one.lastSlot()).isEqualTo(slot1.toEpochMilli());
        SlotState two = claimAndEnd("s-q", q, ClaimRequest.chained(W, slot2, java.util.Optional.of(slot1)), 100);
        assertThat(two.lastSlot()).isEqualTo(slot2.toEpochMilli());

        SlotState three = null;
        for (int attempt = 1; attempt <= 3 && three == null; attempt++) {
            long id = 1 + attempt;
            three = run("s-p", p, claim(ClaimRequest.chained(W, slot3, java.util.Optional.of(slot2)), "s-p", id, 1_000));
            p.cancel(W).run();
        }

        assertThat(three).as("slot 3, after slot 2 as the record says, is claimed").isNotNull();
        assertThat(three.lastSlot()).isEqualTo(slot3.toEpochMilli());
    }

    /**
     * A re-run: q's run of slot 2 was cut (its node died, q's lock lapsed), and its record says so; p asks
     * for the re-run of slot 2 expecting q's token, as it read it. On p's kept head (slot 1, p's token) the
     * re-run is refused with no message: the unfinished slot is not re-run on p.
     */
    @Test
    void aRerunOfAnotherSessionsCutSlotIsNotRefusedOnTheKeptHead() {
        SessionRegisters p = new SessionRegisters("s-p", voters, RESEND);
        SessionRegisters q = new SessionRegisters("s-q", voters, RESEND);
        Instant slot1 = Instant.ofEpochMilli(60_000);
        Instant slot2 = Instant.ofEpochMilli(120_000);

        claimAndEnd("s-p", p, ClaimRequest.scheduled(W, slot1), 1);
        SlotState cut = run("s-q", q, claim(ClaimRequest.scheduled(W, slot2), "s-q", 100, 2_000));
        q.cancel(W).run(); // q's lock lost, its run cut: the record says running by q, which is dead
        ClaimRequest rerun = new ClaimRequest(W, slot2, ClaimRequest.Kind.RERUN, false, java.util.Optional.empty(),
                cut.fence(), false);

        SlotState again = null;
        for (int attempt = 1; attempt <= 3 && again == null; attempt++) {
            long id = 1 + attempt;
            again = run("s-p", p, claim(rerun, "s-p", id, 3_000));
            p.cancel(W).run();
        }

        assertThat(again).as("slot 2, cut, is re-run").isNotNull();
        assertThat(again.running().kind()).isEqualTo(ClaimRequest.Kind.RERUN);
    }

    /**
     * p and q each claim and end a slot in turn (a worker moving between two nodes as the balance
     * changes); q's second run is cut (its node died). p asks for the re-run of q's slot with q's token,
     * as it read it: on p's kept head (p's own slot 3, p's token) the re-run has nothing to write, so p
     * prepares at once, but below the ballot q prepared when its kept accept was refused, and waits a
     * resend interval (lease / 5) before it prepares again. Every answer is in well before that.
     */
    @Test
    void aRerunAfterTheWorkerMovedBackAndForthDoesNotWaitAResendInterval() {
        SessionRegisters p = new SessionRegisters("s-p", voters, RESEND);
        SessionRegisters q = new SessionRegisters("s-q", voters, RESEND);

        claimAndEnd("s-p", p, ClaimRequest.scheduled(W, Instant.ofEpochMilli(60_000)), 1);
        claimAndEnd("s-q", q, ClaimRequest.scheduled(W, Instant.ofEpochMilli(120_000)), 100);
        claimAndEnd("s-p", p, ClaimRequest.scheduled(W, Instant.ofEpochMilli(180_000)), 2);
        Instant slot4 = Instant.ofEpochMilli(240_000);
        SlotState cut = run("s-q", q, claim(ClaimRequest.scheduled(W, slot4), "s-q", 101, 2_000));
        assertThat(cut).isNotNull();
        q.cancel(W).run(); // q's lock lost, its run cut

        ClaimRequest rerun = new ClaimRequest(W, slot4, ClaimRequest.Kind.RERUN, false, java.util.Optional.empty(),
                cut.fence(), false);
        CompletableFuture<SlotState> again = p.write(W, claim(rerun, "s-p", 3, 3_000), 0, now.get());
        deliver("s-p", p, again, RESEND / 40);

        assertThat(again).as("every answer is in: the re-run is decided without a resend interval").isDone();
        assertThat(again.join()).isNotNull();
        assertThat(again.join().running().kind()).isEqualTo(ClaimRequest.Kind.RERUN);
    }

    private static UnaryOperator<SlotState> claim(ClaimRequest request, String session, long claimId, long nowMillis) {
        return base -> ClaimRules.claim(orEmpty(base), new ClaimRules.Claim(request, "node-" + session, session,
                claimId, nowMillis, 0, 0, 0), false, true).map(ClaimRules.Claimed::state).orElse(null);
    }

    /** One hold: a claim and its end, then the lock given back; the record after the end. */
    private SlotState claimAndEnd(String session, SessionRegisters registers, ClaimRequest request, long claimId) {
        SlotState claimed = run(session, registers, claim(request, session, claimId, 1_000));
        assertThat(claimed).as("claimed").isNotNull();
        SlotState ended = run(session, registers, base -> ClaimRules.complete(base, claimed.fence(), claimId,
                Outcome.SUCCEEDED, 1_500).orElse(null));
        assertThat(ended).as("ended").isNotNull();
        registers.cancel(W).run();
        return ended;
    }

    /**
     * An operator's pause asked again (its answer was lost) after another session's resume: on p's kept
     * head the pause is its own copy, so the write ends as a replay with that head and the action is told
     * it holds (RegisterRecords.Write answers 0), while the record says resumed under a later token (the
     * chain's answer is "go above 20").
     */
    @Test
    void aPauseAskedAgainIsNotToldItHoldsFromTheKeptHead() {
        SessionRegisters p = new SessionRegisters("s-p", voters, RESEND);
        SessionRegisters q = new SessionRegisters("s-q", voters, RESEND);
        UnaryOperator<SlotState> pause = base -> {
            ClaimRules.Flagged f = ClaimRules.flag(orEmpty(base), ClaimRules.Flag.PAUSE, 10, 5, 0);
            return f.above() == 0 ? f.state() : null;
        };
        run("s-p", p, pause);
        p.cancel(W).run();
        run("s-q", q, base -> ClaimRules.flag(orEmpty(base), ClaimRules.Flag.RESUME, 20, 6, 0).state());
        q.cancel(W).run();

        SlotState told = run("s-p", p, pause);

        assertThat(told).as("the record holds the resume of token 20: the pause of 10 does not hold").isNull();
    }

    private static SlotState orEmpty(SlotState base) {
        return base == null ? SlotState.empty(W) : base;
    }

    /** Runs one write to its end, resend intervals and all; its value or null. */
    private SlotState run(String session, SessionRegisters registers, UnaryOperator<SlotState> next) {
        CompletableFuture<SlotState> done = registers.write(W, next, 0, now.get());
        deliver(session, registers, done, RESEND * 2);
        assertThat(done).as("the write ended").isDone();
        return done.join();
    }

    /** Rounds of messages to the three acceptors and their answers back, the clock moving {@code step} each. */
    private void deliver(String session, SessionRegisters registers, CompletableFuture<SlotState> done, long step) {
        for (int round = 0; round < (step >= RESEND ? 100 : 5) && !done.isDone(); round++) {
            now.addAndGet(step);
            registers.retry(0, now.get()).forEach(Runnable::run);
            for (String id : IDS) {
                List<RegisterOp> ops = registers.toSend("m-" + id, id, now.get());
                List<RegisterReply.Answered> answers = new ArrayList<>();
                for (RegisterOp op : ops) {
                    Operation<SlotState> o = op.operation();
                    Answer<SlotState> a = o.applyTo(acceptors.get(id));
                    if (a != null) {
                        answers.add(new RegisterReply.Answered(W, o.id(), a));
                    }
                }
                if (!answers.isEmpty()) {
                    registers.onReply(new RegisterReply(session, id, LINEAGE, answers), 0, now.get())
                            .forEach(Runnable::run);
                }
            }
        }
    }
}
