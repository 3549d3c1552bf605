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
 */
public record ClaimRequest(String worker, Instant slot, Kind kind, boolean chained, Optional<Instant> expectedLastSlot) {

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
    }

    public static ClaimRequest scheduled(String worker, Instant slot) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, false, Optional.empty());
    }

    /** A slot that follows the last claimed slot {@code expectedLastSlot} (empty: the first ever). */
    public static ClaimRequest chained(String worker, Instant slot, Optional<Instant> expectedLastSlot) {
        return new ClaimRequest(worker, slot, Kind.SCHEDULED, true, expectedLastSlot);
    }

    public static ClaimRequest triggered(String worker, Instant now) {
        return new ClaimRequest(worker, now, Kind.TRIGGERED, false, Optional.empty());
    }

    public static ClaimRequest rerun(String worker, Instant slot) {
        return new ClaimRequest(worker, slot, Kind.RERUN, false, Optional.empty());
    }
}
