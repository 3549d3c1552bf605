package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * The one place that decides whether a claim wins and how a record changes, used by every
 * coordination implementation (inside a Hazelcast entry processor, under the in-memory lock).
 * Pure: state in, state out, so that a claim applied twice, or on a backup, gives the same result.
 */
public final class ClaimRules {

    /** Fencing tokens are a hybrid logical clock: milliseconds in the high bits, a counter below. */
    static final int COUNTER_BITS = 16;
    /** A record's last slot this far ahead of the claimer's clock was written under a clock that was ahead. */
    public static final long REBASE_MIN_MILLIS = 1_000;
    /** How many times one slot is re-run at most, whoever claims. */
    public static final int MAX_RERUNS = WorkerRecord.MAX_RERUNS;

    private ClaimRules() {
    }

    /**
     * The claimer's side of a claim.
     *
     * @param claimId        unique per claim, and increasing within a session: a replay of the same
     *                       claim returns the lease it made, an earlier claim of the session loses
     * @param nowMillis      the cluster clock at the claimer
     * @param fenceBaseMillis tokens start above this many milliseconds (the latest member clock)
     * @param fenceFloor     tokens start above this (the highest token the claimer has seen)
     * @param rebaseMillis   for a rebase: how far ahead of {@code nowMillis} the record must be
     */
    public record Claim(ClaimRequest request, String node, String session, long claimId, long nowMillis,
                        long fenceBaseMillis, long fenceFloor, long rebaseMillis) {
    }

    /** The record after a claim, and whether it is a replay of one that had already applied. */
    public record Claimed(SlotState state, boolean replay) {
    }

    /**
     * The state after a successful claim, or empty if the claim loses.
     *
     * @param holderAlive whether the current holder (if any) may still be running: a claim never
     *                    wins against a live holder; a dead holder's run counts as crashed
     */
    public static Optional<Claimed> claim(SlotState s, Claim c, boolean holderAlive) {
        return claim(s, c, holderAlive, true);
    }

    /**
     * As {@link #claim(SlotState, Claim, boolean)}; {@code idsOrdered}: whether the claimer's session
     * numbers its claims in order (a node of an older release, during a rolling update, draws them at
     * random, so that its lower id says nothing about which of its claims came first).
     */
    public static Optional<Claimed> claim(SlotState s, Claim c, boolean holderAlive, boolean idsOrdered) {
        ClaimRequest r = c.request();
        if (s.claimId() == c.claimId() && c.claimId() != 0) {
            return s.isRunning() && s.running().claimId() == c.claimId()
                    ? Optional.of(new Claimed(s, true)) : Optional.empty();
        }
        // A session numbers its claims in order: a call of an earlier claim that Hazelcast applies late
        // never ends the same session's later run (which would count as over, see ClaimProcessor).
        if (idsOrdered && s.isRunning() && s.running().session().equals(c.session())
                && c.claimId() < s.running().claimId()) {
            return Optional.empty();
        }
        if (s.isRunning() && holderAlive) {
            return Optional.empty();
        }
        boolean crashed = s.isRunning();
        long slot = r.slot().toEpochMilli();
        long lastSlot = s.lastSlot();
        ClaimRequest.Kind kind = r.kind();
        // A triggered run whose holder died is asked for again (as its crash policy says) before anything is claimed.
        SlotState.Flags flags = crashed ? s.flagsAfterCut() : s.flags();
        // Whoever claims first after a holder's end re-runs its unfinished slot: a later slot or a trigger
        // claimed before the re-run request arrived would otherwise leave it behind for good.
        boolean takeOver = r.rerunUnfinished() && leftUnfinished(s);
        boolean rerunIfCut = false;
        switch (r.kind()) {
            case SCHEDULED -> {
                if (flags.paused() || !scheduledAllowed(s, r, c)) {
                    return Optional.empty();
                }
                if (!takeOver) {
                    lastSlot = slot;
                }
            }
            case TRIGGERED -> {
                if (!flags.triggerPending()) {
                    return Optional.empty();
                }
                // Taken over, the trigger stays asked for, to run after the re-run.
                if (!takeOver) {
                    rerunIfCut = r.rerunUnfinished() && flags.triggerCuts() < MAX_RERUNS;
                    flags = flags.served();
                    // Its own instant, after every earlier run, so that no two runs share one; the regular slots stay.
                    slot = Math.max(slot, Math.max(s.lastSlot(), s.startedAt()) + 1);
                }
            }
            case RERUN -> {
                boolean unfinished = crashed || (s.lastOutcome() != null && !s.lastOutcome().closesSlot());
                if (s.lastSlot() != slot || !unfinished || s.fence() != r.expectedFence()
                        || s.lastKind() == ClaimRequest.Kind.TRIGGERED || s.reruns() >= MAX_RERUNS) {
                    return Optional.empty();
                }
            }
        }
        if (takeOver) {
            slot = s.lastSlot();
            kind = ClaimRequest.Kind.RERUN;
        }
        Outcome lastOutcome = crashed ? Outcome.CRASHED : s.lastOutcome();
        long finishedAt = crashed ? c.nowMillis() : s.finishedAt();
        long fence = nextFence(s.fence(), c.fenceFloor(), c.fenceBaseMillis());
        // A re-run counts against its slot; a later slot starts the count again; a trigger leaves it.
        int reruns = kind == ClaimRequest.Kind.RERUN ? s.reruns() + 1 : lastSlot != s.lastSlot() ? 0 : s.reruns();
        long deferred = lastSlot != s.lastSlot() ? SlotState.NONE : s.deferred();
        // A later slot's claim (its node's re-run used up, or planned without the record) goes past a
        // deferred slot: said in the result, so that the slots in between are reported, not lost unseen;
        // a claim that keeps the last slot (its re-run, a trigger) keeps what that slot's claim passed,
        // and so does a later slot's claim if the last slot's node died (it may have died before it reported).
        boolean died = crashed || s.lastOutcome() == Outcome.CRASHED;
        long passed = s.passed();
        if (lastSlot != s.lastSlot()) {
            passed = died && passed != SlotState.NONE && passed < lastSlot ? passed : SlotState.NONE;
            if (s.deferred() != SlotState.NONE && s.deferred() < lastSlot) {
                passed = passed == SlotState.NONE ? s.deferred() : Math.min(passed, s.deferred());
            }
        }
        if (takeOver && r.kind() == ClaimRequest.Kind.SCHEDULED) {
            deferred = deferred == SlotState.NONE ? r.slot().toEpochMilli() : Math.min(deferred, r.slot().toEpochMilli());
        }
        SlotState.Running running = new SlotState.Running(c.node(), c.session(), c.claimId(), kind, slot, rerunIfCut);
        return Optional.of(new Claimed(new SlotState(s.worker(), lastSlot, fence, c.claimId(), running, kind,
                lastOutcome, c.nowMillis(), finishedAt, flags, c.node(), s.failuresInARow(), reruns, deferred, passed),
                false));
    }

    /**
     * Whether the record's last run was a run of its last slot (scheduled, or a re-run of it fewer
     * than {@link #MAX_RERUNS} times) that did not finish: its holder is gone (the caller checked it
     * is not alive) or gave it back unfinished.
     */
    private static boolean leftUnfinished(SlotState s) {
        if (s.lastSlot() == SlotState.NONE) {
            return false;
        }
        if (s.isRunning()) {
            return reRunnable(s, s.running().kind()) && s.running().slot() == s.lastSlot();
        }
        return s.lastOutcome() != null && !s.lastOutcome().closesSlot() && reRunnable(s, s.lastKind());
    }

    private static boolean reRunnable(SlotState s, ClaimRequest.Kind kind) {
        return kind == ClaimRequest.Kind.SCHEDULED || kind == ClaimRequest.Kind.RERUN && s.reruns() < MAX_RERUNS;
    }

    private static boolean scheduledAllowed(SlotState s, ClaimRequest r, Claim c) {
        long slot = r.slot().toEpochMilli();
        if (r.chained()) {
            long expected = r.expectedLastSlot().map(Instant::toEpochMilli).orElse(SlotState.NONE);
            return s.lastSlot() == expected;
        }
        if (s.lastSlot() == SlotState.NONE || slot > s.lastSlot()) {
            return true;
        }
        // A record written under a clock that was ahead: the claimer and the record agree it lies in the
        // future, and it is still the record the claimer judged (not one written since on a clock it lags).
        return r.rebase() && (r.expectedFence() == 0 || s.fence() == r.expectedFence())
                && (r.expectedPauseToken() == ClaimRequest.ANY_PAUSE_TOKEN
                        || s.flags().pauseToken() == r.expectedPauseToken())
                && s.lastSlot() > c.nowMillis() + Math.max(REBASE_MIN_MILLIS, c.rebaseMillis());
    }

    /** Strictly above {@code previous} and {@code floor}, and above every token issued before {@code baseMillis}. */
    public static long nextFence(long previous, long floor, long baseMillis) {
        return Math.max(Math.max(previous, floor) + 1, baseMillis << COUNTER_BITS);
    }

    /** The time part of a token: the milliseconds it was issued at or above. */
    public static long millisOf(long fence) {
        return fence >>> COUNTER_BITS;
    }

    /**
     * The state after the execution of claim {@code claimId} ended with {@code outcome}, or empty if
     * the record no longer belongs to it. A completion applied twice returns the same state.
     */
    public static Optional<SlotState> complete(SlotState s, long fence, long claimId, Outcome outcome, long nowMillis) {
        if (s.fence() != fence || s.claimId() != claimId) {
            return Optional.empty();
        }
        if (s.isRunning()) {
            return Optional.of(s.finished(outcome, nowMillis));
        }
        return outcome == s.lastOutcome() ? Optional.of(s) : Optional.empty();
    }

    /** An operator action on a worker. */
    public enum Flag { PAUSE, RESUME, TRIGGER }

    /**
     * A record after an operator action: {@code above} is 0 when the action holds in {@code state},
     * else the record's token that the action's must go above ({@code state} is then the record as it was).
     */
    public record Flagged(SlotState state, long above) {
    }

    /**
     * Pauses, resumes or triggers. Each action carries a token from the node that made it, so that a
     * replay changes nothing and, after a split-brain merge, the latest pause or resume survives, and so
     * does a trigger asked for after the last one served on either side. Tokens come from each node's
     * estimate of the cluster clock, which may lag the one that made the last action, and a late copy of
     * an earlier action must not undo a later one: an action below the record's token is refused with it.
     *
     * @param madeAt when the action was made, on the maker's cluster clock (0: not known)
     * @param id     a trigger's id, random per action (0: none): see {@link SlotState.Flags#triggerId}
     */
    public static Flagged flag(SlotState s, Flag flag, long token, long madeAt, long id) {
        SlotState.Flags flags = s.flags();
        long above = flag == Flag.TRIGGER ? triggerAbove(flags, token, id) : pauseAbove(flags, flag, token);
        if (above != 0) {
            return new Flagged(s, above);
        }
        SlotState.Flags next = switch (flag) {
            case PAUSE -> flags.withPaused(true, token, madeAt);
            case RESUME -> flags.withPaused(false, token, madeAt);
            case TRIGGER -> flags.withTrigger(token, id);
        };
        return new Flagged(s.withFlags(next), 0);
    }

    /** 0 if this pause or resume may hold: a newer token, or its own copy again; else the token to go above. */
    private static long pauseAbove(SlotState.Flags flags, Flag flag, long token) {
        boolean ownCopy = token == flags.pauseToken() && flags.paused() == (flag == Flag.PAUSE);
        return token > flags.pauseToken() || ownCopy ? 0 : flags.pauseToken();
    }

    /**
     * 0 if this trigger may hold: its own copy again, or above the last served; else the token to go above.
     * Another node's trigger may carry the same token as the one asked for (see {@link SlotState.Flags#triggerId}):
     * it goes above that token, so that each trigger's own late copies are still told apart once served (taken
     * for the other's copy, it was told it took and never ran; folded into it while pending, its own copy
     * after the run was told to go above).
     */
    private static long triggerAbove(SlotState.Flags flags, long token, long id) {
        if (flags.askedBy(token, id)) {
            return 0;
        }
        if (token == flags.triggerRequested()) {
            return token;
        }
        return token > flags.triggerServed() ? 0 : flags.triggerServed();
    }

    /** Whether the record still belongs to the running execution with {@code fence}. */
    public static boolean holds(SlotState s, long fence) {
        return s.isRunning() && s.fence() == fence;
    }
}
