package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.RegisterState;
import dev.baton.worker.Outcome;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workers' records kept in their registers (step 3 of docs/records-in-the-lock-tables.md, on only
 * where an internal constructor asks for it): a claim, an end and an operator action are each one write
 * of the worker's register by the session that holds its lock, judged by {@link ClaimRules} on the last
 * value chosen, as the map's processors judge the map's entry. Reads come from this member's registers.
 */
final class RegisterRecords {

    private final TableRegisters registers;
    private final SessionTable table;
    private final Duration releaseWait;

    /** @param releaseWait how long an action waits for every member to hear that it gave the lock back */
    RegisterRecords(TableRegisters registers, SessionTable table, Duration releaseWait) {
        this.registers = registers;
        this.table = table;
        this.releaseWait = releaseWait;
    }

    /**
     * Writes the claim: completes with the record holding it once chosen, or null if the record refuses
     * it or the write was given up (its lock lost, its session dead). Chosen again after the chain moved
     * on (a write whose answer was lost), the record found holding this claim id is the claim's replay.
     */
    CompletableFuture<SlotState> claim(LocalSession session, ClaimRules.Claim claim) {
        String worker = claim.request().worker();
        return session.writeRegister(worker, base -> {
            SlotState current = base == null ? SlotState.empty(worker) : base;
            // As the map's processor: a run recorded for the claimer's own session is over, since a session
            // holds one lock per worker; another session's is alive while this member's table records it.
            boolean holderAlive = current.isRunning() && !current.running().session().equals(claim.session())
                    && table.records(worker, current.running().session());
            return ClaimRules.claim(current, claim, holderAlive, true).map(ClaimRules.Claimed::state).orElse(null);
        });
    }

    /** Writes an execution's end: the record after it, or null if the record no longer belongs to the claim. */
    CompletableFuture<SlotState> complete(LocalSession session, String worker, long fence, long claimId,
                                          Outcome outcome, long nowMillis) {
        return session.writeRegister(worker, base -> base == null ? null
                : ClaimRules.complete(base, fence, claimId, outcome, nowMillis).orElse(null));
    }

    /**
     * Makes an operator action under the worker's lock, taken for it (first cut, see <i>The flags</i> on the
     * design page: the worker's holder or preferred node should write it): 0 once the action holds in the
     * record, else the record's token that the action's must go above.
     *
     * @throws IllegalStateException if the lock or the write could not be had before {@code giveUpAt}
     */
    long flag(LocalSession session, String worker, ClaimRules.Flag flag, long token, long madeAt, long id,
              long giveUpAt) {
        String what = flag.name().toLowerCase() + " worker '" + worker + "'";
        if (!acquire(session, worker, giveUpAt)) {
            throw new IllegalStateException("could not " + what + ": its lock stayed with a run or a claim (the"
                    + " worker is running); try again once the run ends");
        }
        try {
            AtomicLong above = new AtomicLong();
            SlotState written = HzCoordination.awaitWrite(session.writeRegister(worker, base -> {
                ClaimRules.Flagged flagged = ClaimRules.flag(base == null ? SlotState.empty(worker) : base, flag,
                        token, madeAt, id);
                above.set(flagged.above());
                return flagged.above() == 0 ? flagged.state() : null;
            }), giveUpAt);
            if (written == null && above.get() == 0) {
                throw new IllegalStateException("could not " + what + ": the cluster did not confirm the change in"
                        + " time, so it may or may not have taken effect; check the worker's state and act again if"
                        + " needed");
            }
            return written != null ? 0 : above.get();
        } finally {
            // Heard everywhere before the action returns, so that the claim a node makes next is not refused
            // for this lock (the map's actions take none); unheard, the next renewal tells them.
            HzCoordination.awaitWrite(session.release(worker, false), System.nanoTime() + releaseWait.toNanos());
        }
    }

    /** Takes the worker's lock for an action, asking again while another run or claim holds it. */
    private static boolean acquire(LocalSession session, String worker, long giveUpAt) {
        while (System.nanoTime() < giveUpAt) {
            // This node's own run holds it: its end is written under it, and the two writes would collide.
            if (!session.holds(worker)) {
                long left = Math.max(1, giveUpAt - System.nanoTime());
                CompletableFuture<Boolean> granted = session.acquire(worker);
                Boolean got = HzCoordination.awaitWrite(granted, System.nanoTime() + left);
                if (Boolean.TRUE.equals(got)) {
                    return true;
                }
                if (got == null) {
                    session.release(worker, false);
                    return false;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * The record as this member's register holds it: the later of the value it knows chosen and the last
     * it accepted. A value a majority accepted is read on each of them before its writer learns it chosen,
     * so that a claim granted on one node shows on the others at once; an accepted value that is never
     * chosen shows until the next write replaces it, as a map entry whose caller never heard back does.
     */
    Optional<SlotState> read(String worker) {
        RegisterState<SlotState> state = registers.state(worker);
        Accepted<SlotState> newest = state.accepted() != null && state.accepted().isAfter(state.chosen())
                ? state.accepted() : state.chosen();
        return Optional.ofNullable(newest).map(Accepted::value);
    }
}
