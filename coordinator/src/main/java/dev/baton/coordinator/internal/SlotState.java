package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * The stored state of one worker, shared by the coordination implementations. Immutable;
 * instants are epoch milliseconds on the cluster clock, {@link #NONE} when absent.
 *
 * @param lastSlot       the last regular slot claimed (a triggered run leaves it alone)
 * @param fence          the fencing token of the last claim of any kind
 * @param claimId        the id of the last claim, so that a claim applied twice returns the same lease
 * @param running        the execution running now, or null
 * @param lastKind       why the last claim was made, or null if none was
 * @param lastNode       the node that claimed last, or null
 * @param failuresInARow consecutive executions that failed or timed out
 * @param reruns         how many times the last slot was claimed again as a re-run, so that the rules
 *                       can re-run a slot whose re-run died too, a bounded number of times
 * @param deferred       the earliest slot after the last one whose claim re-ran the last slot instead,
 *                       or {@link #NONE}: that slot and the ones after it are still to run, also if
 *                       the node of that claim died
 * @param passed         the deferred slot that the claim of the last slot went past, or {@link #NONE}:
 *                       the slots from it to the last slot were never run, and the node that runs the
 *                       last slot reports them; kept (a replay says it again, a re-run of the last slot
 *                       too, and a later slot's claim after a death) until a run of the last slot
 *                       finishes it
 */
public record SlotState(String worker, long lastSlot, long fence, long claimId, Running running,
                        ClaimRequest.Kind lastKind, Outcome lastOutcome, long startedAt, long finishedAt, Flags flags,
                        String lastNode, int failuresInARow, int reruns, long deferred, long passed) {

    public static final long NONE = Long.MIN_VALUE;

    /** A record whose last slot was never re-run, as one written by a release that did not count re-runs. */
    public SlotState(String worker, long lastSlot, long fence, long claimId, Running running, ClaimRequest.Kind lastKind,
                     Outcome lastOutcome, long startedAt, long finishedAt, Flags flags, String lastNode,
                     int failuresInARow) {
        this(worker, lastSlot, fence, claimId, running, lastKind, lastOutcome, startedAt, finishedAt, flags, lastNode,
                failuresInARow, 0, NONE, NONE);
    }

    /** A record whose last claim went past no deferred slot, as one written before claims reported them. */
    public SlotState(String worker, long lastSlot, long fence, long claimId, Running running, ClaimRequest.Kind lastKind,
                     Outcome lastOutcome, long startedAt, long finishedAt, Flags flags, String lastNode,
                     int failuresInARow, int reruns, long deferred) {
        this(worker, lastSlot, fence, claimId, running, lastKind, lastOutcome, startedAt, finishedAt, flags, lastNode,
                failuresInARow, reruns, deferred, NONE);
    }

    /**
     * An execution in progress.
     *
     * @param slot       the slot it runs: the regular slot, or for a triggered run the instant it was claimed
     * @param rerunIfCut for a triggered run: cut short (its node crashed, stopped or lost the lease before it
     *                   ended), the trigger is asked for again, as a crashed slot runs again (the worker's crash
     *                   policy re-runs, and the trigger was not cut {@link ClaimRules#MAX_RERUNS} times already)
     */
    public record Running(String node, String session, long claimId, ClaimRequest.Kind kind, long slot,
                          boolean rerunIfCut) {

        /** A run whose cut-short trigger is served all the same, as a release before this one claimed every trigger. */
        public Running(String node, String session, long claimId, ClaimRequest.Kind kind, long slot) {
            this(node, session, claimId, kind, slot, false);
        }
    }

    /**
     * Operator actions, each ordered by a token from the node that made it, so that a merge or a
     * replay keeps the latest.
     *
     * @param pauseMadeAt when the last pause or resume was made, on the cluster clock of the node that
     *                    made it, in epoch milliseconds; 0 if not recorded (a release before this one),
     *                    when the token's time part says it (a later time when the token had to go
     *                    above a token issued under a clock that was ahead)
     * @param triggerId   the id of the trigger that asked for {@code triggerRequested}, random per action (0: not
     *                    recorded, by a release before this one): two nodes can issue the same token (tokens are
     *                    cluster-clock milliseconds above a floor, with nothing of the node in them), and only
     *                    the id tells another node's trigger from a late copy of the one already in the record
     * @param triggerCuts how many runs of the trigger asked for were cut short and asked for again
     */
    public record Flags(boolean paused, long pauseToken, long triggerRequested, long triggerServed, long pauseMadeAt,
                        long triggerId, int triggerCuts) {
        public static final Flags NONE = new Flags(false, 0, 0, 0, 0, 0, 0);

        /** Flags whose trigger no run cut short, as a release before this one wrote them. */
        public Flags(boolean paused, long pauseToken, long triggerRequested, long triggerServed, long pauseMadeAt,
                     long triggerId) {
            this(paused, pauseToken, triggerRequested, triggerServed, pauseMadeAt, triggerId, 0);
        }

        /** Flags whose pause or resume says when it was made by its token alone, as an older release wrote them. */
        public Flags(boolean paused, long pauseToken, long triggerRequested, long triggerServed) {
            this(paused, pauseToken, triggerRequested, triggerServed, 0, 0);
        }

        public boolean triggerPending() {
            return triggerRequested > triggerServed;
        }

        /** When the action with {@code token} was made, if nothing else says it: a token is a fence, whose time part tells. */
        public static Optional<Instant> madeAt(long token) {
            return madeAt(token, 0);
        }

        /** When the action with {@code token} was made: {@code madeAtMillis} if known (not 0), else by its token. */
        public static Optional<Instant> madeAt(long token, long madeAtMillis) {
            if (token == 0) {
                return Optional.empty();
            }
            return Optional.of(Instant.ofEpochMilli(madeAtMillis != 0 ? madeAtMillis : ClaimRules.millisOf(token)));
        }

        /** When the last pause or resume was made, if one was. */
        public Optional<Instant> pauseChangedAt() {
            return madeAt(pauseToken, pauseMadeAt);
        }

        /** Pauses or resumes, unless a later action already decided; made at a time the token says. */
        public Flags withPaused(boolean paused, long token) {
            return withPaused(paused, token, 0);
        }

        /** Pauses or resumes as an action made at {@code madeAtMillis}, unless a later action already decided. */
        public Flags withPaused(boolean paused, long token, long madeAtMillis) {
            return token > pauseToken
                    ? new Flags(paused, token, triggerRequested, triggerServed, madeAtMillis, triggerId, triggerCuts)
                    : this;
        }

        /** Asks for an extra run; a replay of the same request changes nothing. */
        public Flags withTrigger(long token) {
            return withTrigger(token, 0);
        }

        /**
         * Asks for an extra run by the trigger {@code id}; a replay of the same request changes nothing, and a
         * trigger at or below the one asked for is folded into it (one run serves both).
         */
        public Flags withTrigger(long token, long id) {
            return token > triggerRequested
                    ? new Flags(paused, pauseToken, token, triggerServed, pauseMadeAt, id, 0) : this;
        }

        /**
         * Whether the trigger {@code id} with {@code token} is the one this record asked for, a late copy of it:
         * by token alone when either side does not know the trigger's id (a release before this one).
         */
        public boolean askedBy(long token, long id) {
            return token == triggerRequested && (id == 0 || triggerId == 0 || id == triggerId);
        }

        Flags served() {
            return new Flags(paused, pauseToken, triggerRequested, triggerRequested, pauseMadeAt, triggerId,
                    triggerCuts);
        }

        /**
         * The trigger's run was cut short: asked for again, just below the token it asked with, so that its late
         * copies still read as its own and a trigger of another node still goes above it. A trigger asked for
         * since is pending anyway, and its run serves both.
         */
        Flags cut() {
            if (triggerPending()) {
                return this;
            }
            return new Flags(paused, pauseToken, triggerRequested, triggerRequested - 1, pauseMadeAt, triggerId,
                    triggerCuts + 1);
        }

        /** The latest of each action of two copies of a record (a split-brain merge). */
        public Flags merge(Flags other) {
            Flags pause = other.pauseToken > pauseToken ? other : this;
            Flags trigger = other.triggerRequested > triggerRequested ? other : this;
            return new Flags(pause.paused, pause.pauseToken, trigger.triggerRequested,
                    Math.max(triggerServed, other.triggerServed), pause.pauseMadeAt, trigger.triggerId,
                    other.triggerRequested == triggerRequested ? Math.max(triggerCuts, other.triggerCuts)
                            : trigger.triggerCuts);
        }
    }

    public static SlotState empty(String worker) {
        return new SlotState(worker, NONE, 0, 0, null, null, null, NONE, NONE, Flags.NONE, null, 0);
    }

    public boolean isRunning() {
        return running != null;
    }

    public SlotState withFlags(Flags flags) {
        return new SlotState(worker, lastSlot, fence, claimId, running, lastKind, lastOutcome, startedAt, finishedAt,
                flags, lastNode, failuresInARow, reruns, deferred, passed);
    }

    /** The state after the running execution ended with {@code outcome}. */
    public SlotState finished(Outcome outcome, long nowMillis) {
        int failures = switch (outcome) {
            case FAILED, TIMED_OUT -> failuresInARow + 1;
            case SUCCEEDED -> 0;
            default -> failuresInARow;
        };
        // The run of the last slot that finished it reported the slots its claim went past.
        boolean reported = outcome.closesSlot() && running != null && running.kind() != ClaimRequest.Kind.TRIGGERED;
        return new SlotState(worker, lastSlot, fence, claimId, null, lastKind, outcome, startedAt, nowMillis,
                outcome.closesSlot() ? flags : flagsAfterCut(), lastNode, failures, reruns, deferred,
                reported ? NONE : passed);
    }

    /** The flags once the running execution ended without finishing: a trigger it ran may be asked for again. */
    public SlotState.Flags flagsAfterCut() {
        return triggerRunsAgainIfCut() ? flags.cut() : flags;
    }

    private boolean triggerRunsAgainIfCut() {
        return running != null && running.kind() == ClaimRequest.Kind.TRIGGERED && running.rerunIfCut();
    }

    public WorkerRecord toRecord() {
        return new WorkerRecord(worker, instant(lastSlot), fence,
                Optional.ofNullable(running).map(Running::node), Optional.ofNullable(lastOutcome), instant(startedAt),
                instant(finishedAt), flags.paused(), flags.triggerPending(), Optional.ofNullable(lastNode),
                failuresInARow, Optional.ofNullable(lastKind), reruns, instant(deferred), flags.pauseToken(),
                flags.pauseChangedAt(), triggerRunsAgainIfCut());
    }

    /** {@link #passed}, as the lease of the last claim tells it: a triggered run runs no slot, it reports none. */
    public Optional<Instant> passedSlot() {
        return running != null && running.kind() == ClaimRequest.Kind.TRIGGERED ? Optional.empty() : instant(passed);
    }


    private static Optional<Instant> instant(long millis) {
        return millis == NONE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }
}
