package dev.baton.worker.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to run one slot.
 *
 * @param chained          for schedules whose slots depend on the previous run (fixed delay): the
 *                         claim succeeds only if the last claimed slot is exactly
 *                         {@code expectedLastSlot} (empty: no slot was ever claimed)
 * @param expectedLastSlot see {@code chained}; ignored unless it is set
 * @param expectedFence    for a re-run: the fencing token of the execution that did not finish, so
 *                         that a late re-run request cannot take over a later run; for a rebase: the
 *                         token of the record found ahead, so that a record written since (by a
 *                         node whose clock is right) is not rebased; 0 otherwise (a rebase of any)
 * @param rebase           the last claimed slot is implausibly far in the future (written under a
 *                         clock that was ahead): a scheduled slot before it may be claimed, once the
 *                         coordination agrees the record is ahead of its own clock
 * @param rerunUnfinished  for a scheduled, unchained claim or a triggered one: if the record's last
 *                         slot did not finish (its holder died, was cut off or gave it back
 *                         unfinished) and that run was a scheduled one, the claim re-runs that slot
 *                         instead (a trigger stays asked for); the lease's {@link Lease#slot()} and
 *                         {@link Lease#kind()} say so. Without it a claim that came before the re-run
 *                         would leave the unfinished slot behind for good. For a triggered claim it
 *                         also asks that the trigger be asked for again if its run is cut short.
 * @param expectedPauseToken for a rebase: the record's {@link WorkerRecord#pauseToken()} as judged, so
 *                         that a pause and resume since (which kept every node from claiming, so
 *                         proved nothing about the record) leave it alone; {@link #ANY_PAUSE_TOKEN}
 *                         otherwise
 */
public record ClaimRequest(String worker, Instant slot, Kind kind, boolean chained, Optional<Instant> expectedLastSlot,
                           long expectedFence, boolean rebase, boolean rerunUnfinished, long expectedPauseToken) {

    /** No expectation of the record's pause token. */
    public static final long ANY_PAUSE_TOKEN = -1;

    /** Why the slot is claimed. */
    public enum Kind {
        /** A regular slot of the schedule. */
        SCHEDULED,
        /** An extra run asked for with {@link Coordination#trigger(String)}; the lease's slot is chosen by the coordination. */
        TRIGGERED,
        /** The same slot again, because its execution crashed or was interrupted. */
        RERUN
    }

    public ClaimRequest {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(expectedLastSlot, "expectedLastSlot");
        if (!chained && expectedLastSlot.isPresent()) {
            throw new IllegalArgumentException("expectedLastSlot is only meaningful for a chained claim");
        }
        if (rebase && (kind != Kind.SCHEDULED || chained)) {
            throw new IllegalArgumentException("only a scheduled, unchained claim can rebase a record");
        }
        if (rerunUnfinished && (kind == Kind.RERUN || chained || rebase)) {
            throw new IllegalArgumentException("only a triggered claim, or a scheduled, unchained one that does not"
                    + " rebase, can re-run an unfinished slot instead");
        }
        if (expectedPauseToken != ANY_PAUSE_TOKEN && (!rebase || expectedPauseToken < 0)) {
            throw new IllegalArgumentException("only a rebase can expect a pause token, and tokens are not negative");
        }
    }

    /** A request as before a rebase could expect the record's pause token. */
    public ClaimRequest(String worker, Instant slot, Kind kind, boolean chained, Optional<Instant> expectedLastSlot,
                        long expectedFence, boolean rebase, boolean rerunUnfinished) {
        this(worker, slot, kind, chained, expectedLastSlot, expectedFence, rebase, rerunUnfinished, ANY_PAUSE_TOKEN);
    }

    /** A request as before re-runs of unfinished slots could ride on a scheduled claim. */
    public ClaimRequest(String worker, Instant slot, Kind kind, boolean chained, Optional<Instant> expectedLastSlot,
                        long expectedFence, boolean rebase) {
        this(worker, slot, kind, chained, expectedLastSlot, expectedFence, rebase, false);
    }

    public static ClaimRequest scheduled(String worker, Instant slot) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, false, Optional.empty(), 0, false);
    }

    /**
     * A scheduled slot; if the record's last slot did not finish, a re-run of that slot instead (for
     * workers whose crashed runs run again).
     */
    public static ClaimRequest scheduledOrRerun(String worker, Instant slot) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, false, Optional.empty(), 0, false, true);
    }

    /** A scheduled slot, allowed before the record's last slot if that one lies too far in the future. */
    public static ClaimRequest rebased(String worker, Instant slot) {
        return rebased(worker, slot, 0);
    }

    /** As {@link #rebased(String, Instant)}, only while the record still holds the token {@code fence}. */
    public static ClaimRequest rebased(String worker, Instant slot, long fence) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, false, Optional.empty(), fence, true);
    }

    /** As {@link #rebased(String, Instant, long)}, and only while no pause or resume changed {@code pauseToken}. */
    public static ClaimRequest rebased(String worker, Instant slot, long fence, long pauseToken) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, false, Optional.empty(), fence, true, false, pauseToken);
    }

    /** A slot that follows the last claimed slot {@code expectedLastSlot} (empty: the first ever). */
    public static ClaimRequest chained(String worker, Instant slot, Optional<Instant> expectedLastSlot) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, true, expectedLastSlot, 0, false);
    }

    /** An extra run at {@code now}; it does not move the worker's regular slots. */
    public static ClaimRequest triggered(String worker, Instant now) {
        return new ClaimRequest(worker, now, Kind.TRIGGERED, false, Optional.empty(), 0, false);
    }

    /** As {@link #triggered}; if the record's last slot did not finish, a re-run of that slot first. */
    public static ClaimRequest triggeredOrRerun(String worker, Instant now) {
        return new ClaimRequest(worker, now, Kind.TRIGGERED, false, Optional.empty(), 0, false, true);
    }

    /** The slot again, taking over from the execution with {@code fence}, which did not finish it. */
    public static ClaimRequest rerun(String worker, Instant slot, long fence) {
        return new ClaimRequest(worker, slot, Kind.RERUN, false, Optional.empty(), fence, false);
    }
}
