package dev.baton.coordinator.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The next regular slot a node attempts for a worker.
 *
 * @param slot             the slot to claim
 * @param expectedLastSlot for fixed delay: the last slot the claim must follow (empty: none ever)
 * @param misfire          slots passed over to get here, if any
 * @param provisional      for fixed delay while another node runs the worker: not a slot yet, only
 *                         when to look at the record again
 * @param stepIn           wake up after the step-in grace rather than at the slot
 * @param watchedFence     for a re-check: the fencing token of the run the record showed running
 *                         (0 if none); still the same at the re-check, it is taken over if its lock is gone
 */
record Plan(Instant slot, Optional<Instant> expectedLastSlot, Optional<Misfire> misfire, boolean provisional,
            boolean stepIn, long watchedFence) {

    static Plan at(Instant slot) {
        return new Plan(slot, Optional.empty(), Optional.empty(), false, false, 0);
    }

    static Plan chained(Instant slot, Optional<Instant> expectedLastSlot) {
        return new Plan(slot, expectedLastSlot, Optional.empty(), false, false, 0);
    }

    static Plan recheckAt(Instant at, long runningFence) {
        return new Plan(at, Optional.empty(), Optional.empty(), true, false, runningFence);
    }

    Plan withMisfire(Misfire m) {
        return new Plan(slot, expectedLastSlot, Optional.of(m), provisional, stepIn, watchedFence);
    }

    /** The same slot, attempted once more after the grace. */
    Plan afterGrace() {
        return new Plan(slot, expectedLastSlot, misfire, provisional, true, watchedFence);
    }

    Instant wakeAt(Duration grace) {
        return stepIn ? slot.plus(grace) : slot;
    }

    /** Slots from {@code first} to {@code last} passed without a run; {@code count} of them, capped. */
    record Misfire(Instant first, Instant last, long count, boolean skipped) {
    }
}
