package dev.baton.worker.spi;

import dev.baton.worker.Outcome;
import java.time.Instant;
import java.util.Optional;

/**
 * The right to run one slot of one worker. Single-use: {@link #complete} or {@link #release}
 * ends it, and a second call throws.
 */
public interface Lease {

    String worker();

    /** The slot this lease runs; for a triggered run, the slot the coordination chose. */
    Instant slot();

    ClaimRequest.Kind kind();

    /**
     * For a scheduled claim that went past the record's deferred slot (see
     * {@link WorkerRecord#deferredSlot()}): that slot. It and the slots after it up to this lease's
     * slot were never run, so the node that runs this lease reports them with the misfire policy.
     * Empty for any other claim; implementations that keep no deferred slot return empty.
     */
    default Optional<Instant> passedDeferredSlot() {
        return Optional.empty();
    }

    long fencingToken();

    /** Whether the lease is still held. Once false, it stays false. */
    boolean isValid();

    /**
     * Keeps the lease alive, for implementations whose leases expire one by one; session-based
     * implementations renew all of a node's leases together and only check here.
     *
     * @return whether the lease is still valid
     */
    boolean renew();

    /** Runs {@code action} once, on any thread, as soon as the lease is known to be lost. */
    void onLost(Runnable action);

    /**
     * Records the outcome and ends the lease.
     *
     * @return the record after completion, or empty if the lease was already lost (the outcome was
     *         not recorded: another node may have taken the worker over)
     */
    Optional<WorkerRecord> complete(Outcome outcome);

    /** Ends the lease without running the slot; the slot stays open for a re-run. */
    void release();
}
