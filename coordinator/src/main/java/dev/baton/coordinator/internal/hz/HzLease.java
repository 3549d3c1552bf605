package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Instant;
import java.util.Optional;

/** A lease on one slot: valid while the session holds the worker's lock and is itself valid. */
final class HzLease implements Lease {

    private final HzCoordination coordination;
    private final LocalSession session;
    private final SlotState claimed;
    private final ClaimRequest.Kind kind;
    private boolean ended;

    HzLease(HzCoordination coordination, LocalSession session, SlotState claimed, ClaimRequest.Kind kind) {
        this.coordination = coordination;
        this.session = session;
        this.claimed = claimed;
        this.kind = kind;
    }

    @Override
    public String worker() {
        return claimed.worker();
    }

    @Override
    public Instant slot() {
        return Instant.ofEpochMilli(claimed.running().slot());
    }

    @Override
    public ClaimRequest.Kind kind() {
        return kind;
    }

    @Override
    public long fencingToken() {
        return claimed.fence();
    }

    @Override
    public Optional<Instant> passedDeferredSlot() {
        return claimed.passedSlot();
    }

    @Override
    public boolean isValid() {
        return session.holds(worker());
    }

    @Override
    public boolean renew() {
        return isValid();
    }

    @Override
    public void onLost(Runnable action) {
        session.onLost(worker(), action);
    }

    @Override
    public Optional<WorkerRecord> complete(Outcome outcome) {
        end();
        return coordination.complete(session, worker(), fencingToken(), claimed.claimId(), outcome);
    }

    @Override
    public void release() {
        end();
        coordination.complete(session, worker(), fencingToken(), claimed.claimId(), Outcome.INTERRUPTED);
    }

    private synchronized void end() {
        if (ended) {
            throw new IllegalStateException("lease of worker '" + worker() + "' with fencing token " + fencingToken()
                    + " was already completed or released; a lease is single-use");
        }
        ended = true;
    }
}
