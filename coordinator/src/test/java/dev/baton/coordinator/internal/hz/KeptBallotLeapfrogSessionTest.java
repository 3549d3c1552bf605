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
 * The twenty-seventh review of the kept ballot, with the claim rules the product writes with: a worker
 * handed back and forth between two sessions, then a claim that has nothing to write on the kept head.
 */
class KeptBallotLeapfrogSessionTest {

    private static final long RESEND = 400;
    private static final String W = "w";
    private static final String LINEAGE = "0001-x";
    private static final List<String> IDS = List.of("n1@1", "n2@1", "n3@1");

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final VoterState voters = new VoterState("n1", "1", now::get, 5_500);
    private final Map<String, Acceptor<SlotState>> acceptors = new LinkedHashMap<>();

    KeptBallotLeapfrogSessionTest() {
        voters.learn(new Voters(LINEAGE, 1, IDS));
        for (String id : IDS) {
            acceptors.put(id, new Acceptor<>(new MemoryRegisterLog<>(), 1));
        }
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

    private SlotState claimAndEnd(String session, SessionRegisters registers, ClaimRequest request, long claimId) {
        SlotState claimed = run(session, registers, claim(request, session, claimId, 1_000));
        assertThat(claimed).as("claimed").isNotNull();
        SlotState ended = run(session, registers, base -> ClaimRules.complete(base, claimed.fence(), claimId,
                Outcome.SUCCEEDED, 1_500).orElse(null));
        assertThat(ended).as("ended").isNotNull();
        registers.cancel(W).run();
        return ended;
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
