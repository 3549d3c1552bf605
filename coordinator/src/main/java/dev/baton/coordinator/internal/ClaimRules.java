package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.util.Optional;

/**
 * The one place that decides whether a claim wins, used by every coordination implementation
 * (inside a Hazelcast entry processor, under the in-memory lock). Pure: state in, state out.
 */
public final class ClaimRules {

    /** Fencing tokens are a hybrid logical clock: cluster milliseconds in the high bits, a counter below. */
    static final int COUNTER_BITS = 16;

    private ClaimRules() {
    }

    /**
     * The state after a successful claim, or empty if the claim loses.
     *
     * @param holderAlive whether the current holder (if any) may still be running: a claim never
     *                    wins against a live holder; a dead holder's slot counts as crashed
     */
    public static Optional<SlotState> claim(SlotState s, ClaimRequest r, boolean holderAlive, String node,
                                            String session, long nowMillis) {
        if (s.running() && holderAlive) {
            return Optional.empty();
        }
        boolean crashed = s.running();
        long slot = r.slot().toEpochMilli();
        switch (r.kind()) {
            case SCHEDULED -> {
                if (s.paused()) {
                    return Optional.empty();
                }
                if (r.chained()) {
                    long expected = r.expectedLastSlot().map(java.time.Instant::toEpochMilli).orElse(SlotState.NONE);
                    if (s.lastSlot() != expected) {
                        return Optional.empty();
                    }
                } else if (s.lastSlot() != SlotState.NONE && slot <= s.lastSlot()) {
                    return Optional.empty();
                }
            }
            case TRIGGERED -> {
                if (!s.triggerPending()) {
                    return Optional.empty();
                }
                if (s.lastSlot() != SlotState.NONE && slot <= s.lastSlot()) {
                    slot = s.lastSlot() + 1;
                }
            }
            case RERUN -> {
                boolean unfinished = crashed || (s.lastOutcome() != null && !s.lastOutcome().closesSlot());
                if (s.lastSlot() != slot || !unfinished) {
                    return Optional.empty();
                }
            }
        }
        Outcome lastOutcome = crashed ? Outcome.CRASHED : s.lastOutcome();
        long finishedAt = crashed ? nowMillis : s.finishedAt();
        boolean trigger = r.kind() != ClaimRequest.Kind.TRIGGERED && s.triggerPending();
        return Optional.of(new SlotState(s.worker(), slot, nextFence(s.fence(), nowMillis), node, session, lastOutcome,
                nowMillis, finishedAt, s.paused(), trigger, node, s.failuresInARow()));
    }

    /** Strictly above {@code previous}, and above every token issued before {@code nowMillis} on any node. */
    public static long nextFence(long previous, long nowMillis) {
        return Math.max(previous + 1, nowMillis << COUNTER_BITS);
    }

    /** Whether a completion by the lease with {@code fence} still applies to {@code s}. */
    public static boolean completes(SlotState s, long fence) {
        return s.running() && s.fence() == fence;
    }
}
