package dev.baton.worker.spi;

import dev.baton.worker.Outcome;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster's record of one worker.
 *
 * @param lastSlot       the last slot claimed, if any
 * @param fencingToken   the token of the last claim (0 if none)
 * @param holder         the node running the worker now, if it runs
 * @param lastOutcome    how the last finished execution ended
 * @param triggerPending an extra run was asked for and has not started yet
 * @param lastNode       the node that ran (or runs) the last slot
 * @param failuresInARow consecutive executions that failed or timed out, cluster-wide
 * @param lastKind       why the last (or running) execution was claimed; a triggered run does not
 *                       move {@code lastSlot}
 * @param reruns         how many times {@code lastSlot} was claimed again as a re-run
 * @param deferredSlot   the earliest slot after {@code lastSlot} whose claim re-ran {@code lastSlot}
 *                       instead: that slot and the ones after it are still to run
 * @param pauseToken     changes with every pause and resume (0 if never paused): a node that missed
 *                       both events still sees that the worker was paused in between
 * @param pauseChangedAt when the last pause or resume was made, on the cluster clock of the node that
 *                       made it, if known: a node that learns of it from a read long after (its first,
 *                       or a long run's record) still knows which slots fell before it
 * @param triggerRunsAgainIfCut the running execution is a triggered one whose trigger is asked for again if
 *                       it is cut short (its holder dies, stops or loses the lease): a claim that finds
 *                       the holder dead asks for it, so the record may ask for a trigger once claimed
 */
public record WorkerRecord(String worker, Optional<Instant> lastSlot, long fencingToken, Optional<String> holder,
                           Optional<Outcome> lastOutcome, Optional<Instant> lastStartedAt,
                           Optional<Instant> lastFinishedAt, boolean paused, boolean triggerPending,
                           Optional<String> lastNode, int failuresInARow, Optional<ClaimRequest.Kind> lastKind,
                           int reruns, Optional<Instant> deferredSlot, long pauseToken,
                           Optional<Instant> pauseChangedAt, boolean triggerRunsAgainIfCut) {

    /**
     * How many times one slot is re-run at most, whoever claims: a slot whose every execution dies
     * (it kills its node, or outlasts every lease) must not hold the schedule for good.
     */
    public static final int MAX_RERUNS = 3;

    public WorkerRecord {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(lastSlot, "lastSlot");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(lastOutcome, "lastOutcome");
        Objects.requireNonNull(lastStartedAt, "lastStartedAt");
        Objects.requireNonNull(lastFinishedAt, "lastFinishedAt");
        Objects.requireNonNull(lastNode, "lastNode");
        Objects.requireNonNull(lastKind, "lastKind");
        Objects.requireNonNull(deferredSlot, "deferredSlot");
        Objects.requireNonNull(pauseChangedAt, "pauseChangedAt");
    }

    /** A record whose running execution, if any, spends its trigger however it ends. */
    public WorkerRecord(String worker, Optional<Instant> lastSlot, long fencingToken, Optional<String> holder,
                        Optional<Outcome> lastOutcome, Optional<Instant> lastStartedAt, Optional<Instant> lastFinishedAt,
                        boolean paused, boolean triggerPending, Optional<String> lastNode, int failuresInARow,
                        Optional<ClaimRequest.Kind> lastKind, int reruns, Optional<Instant> deferredSlot,
                        long pauseToken, Optional<Instant> pauseChangedAt) {
        this(worker, lastSlot, fencingToken, holder, lastOutcome, lastStartedAt, lastFinishedAt, paused, triggerPending,
                lastNode, failuresInARow, lastKind, reruns, deferredSlot, pauseToken, pauseChangedAt, false);
    }

    /** A record that does not say when its last pause or resume was made. */
    public WorkerRecord(String worker, Optional<Instant> lastSlot, long fencingToken, Optional<String> holder,
                        Optional<Outcome> lastOutcome, Optional<Instant> lastStartedAt, Optional<Instant> lastFinishedAt,
                        boolean paused, boolean triggerPending, Optional<String> lastNode, int failuresInARow,
                        Optional<ClaimRequest.Kind> lastKind, int reruns, Optional<Instant> deferredSlot,
                        long pauseToken) {
        this(worker, lastSlot, fencingToken, holder, lastOutcome, lastStartedAt, lastFinishedAt, paused, triggerPending,
                lastNode, failuresInARow, lastKind, reruns, deferredSlot, pauseToken, Optional.empty());
    }

    /**
     * Whether the last regular slot did not finish (its executor crashed, lost its lease or was
     * interrupted), so that a re-run may claim it with this record's fencing token.
     */
    public boolean lastSlotUnfinished() {
        boolean regular = lastKind.map(k -> k != ClaimRequest.Kind.TRIGGERED).orElse(true);
        return regular && lastSlot.isPresent() && (running() || lastOutcome.map(o -> !o.closesSlot()).orElse(false));
    }

    /** Whether the last regular slot did not finish and may still be re-run: it was re-run fewer than {@link #MAX_RERUNS} times. */
    public boolean lastSlotReRunnable() {
        return lastSlotUnfinished() && reruns < MAX_RERUNS;
    }

    /** A record of a worker never paused. */
    public WorkerRecord(String worker, Optional<Instant> lastSlot, long fencingToken, Optional<String> holder,
                        Optional<Outcome> lastOutcome, Optional<Instant> lastStartedAt, Optional<Instant> lastFinishedAt,
                        boolean paused, boolean triggerPending, Optional<String> lastNode, int failuresInARow,
                        Optional<ClaimRequest.Kind> lastKind, int reruns, Optional<Instant> deferredSlot) {
        this(worker, lastSlot, fencingToken, holder, lastOutcome, lastStartedAt, lastFinishedAt, paused, triggerPending,
                lastNode, failuresInARow, lastKind, reruns, deferredSlot, 0, Optional.empty());
    }

    /** A record whose last slot was never re-run. */
    public WorkerRecord(String worker, Optional<Instant> lastSlot, long fencingToken, Optional<String> holder,
                        Optional<Outcome> lastOutcome, Optional<Instant> lastStartedAt, Optional<Instant> lastFinishedAt,
                        boolean paused, boolean triggerPending, Optional<String> lastNode, int failuresInARow,
                        Optional<ClaimRequest.Kind> lastKind) {
        this(worker, lastSlot, fencingToken, holder, lastOutcome, lastStartedAt, lastFinishedAt, paused, triggerPending,
                lastNode, failuresInARow, lastKind, 0, Optional.empty(), 0, Optional.empty());
    }

    public boolean running() {
        return holder.isPresent();
    }
}
