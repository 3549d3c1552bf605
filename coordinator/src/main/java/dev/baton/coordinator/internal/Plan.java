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
 * @param retry            for a slot already due whose lock another node's run held: when to look again
 *                         (empty: wake at the slot, or after the grace)
 */
record Plan(Instant slot, Optional<Instant> expectedLastSlot, Optional<Misfire> misfire, boolean provisional,
            boolean stepIn, long watchedFence, Optional<Instant> retry) {

    static Plan at(Instant slot) {
        return new Plan(slot, Optional.empty(), Optional.empty(), false, false, 0, Optional.empty());
    }

    static Plan chained(Instant slot, Optional<Instant> expectedLastSlot) {
        return new Plan(slot, expectedLastSlot, Optional.empty(), false, false, 0, Optional.empty());
    }

    static Plan recheckAt(Instant at, long runningFence) {
        return new Plan(at, Optional.empty(), Optional.empty(), true, false, runningFence, Optional.empty());
    }

    Plan withMisfire(Misfire m) {
        return new Plan(slot, expectedLastSlot, Optional.of(m), provisional, stepIn, watchedFence, retry);
    }

    /** The same slot, attempted once more after the grace. */
    Plan afterGrace() {
        return new Plan(slot, expectedLastSlot, misfire, provisional, true, watchedFence, Optional.empty());
    }

    /** The same slot, attempted once more at {@code at}. */
    Plan retryAt(Instant at) {
        return new Plan(slot, expectedLastSlot, misfire, provisional, stepIn, watchedFence, Optional.of(at));
    }

    Instant wakeAt(Duration grace) {
        return retry.orElse(stepIn ? slot.plus(grace) : slot);
    }

    /** Slots from {@code first} to {@code last} passed without a run; {@code count} of them, capped. */
    record Misfire(Instant first, Instant last, long count, boolean skipped) {
    }
}
