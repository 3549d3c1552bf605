package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** One node of a {@link MemoryCluster}. */
public final class MemoryNode implements Coordination {

    private final MemoryCluster cluster;
    private final String nodeId;
    private volatile String session;
    private final AtomicBoolean closed = new AtomicBoolean();

    public MemoryNode(MemoryCluster cluster, String nodeId) {
        this.cluster = cluster;
        this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public Instant now() {
        return cluster.clock().instant();
    }

    @Override
    public void start(CoordinationEvents events) {
        session = cluster.join(nodeId, events);
    }

    @Override
    public void register(String worker) {
        cluster.register(nodeId, worker, true);
    }

    @Override
    public void unregister(String worker) {
        cluster.register(nodeId, worker, false);
    }

    @Override
    public ClaimRole role(String worker) {
        return cluster.role(nodeId, worker);
    }

    @Override
    public Duration stepInGrace() {
        return Duration.ofMillis(500);
    }

    @Override
    public Duration renewInterval() {
        return cluster.lease().dividedBy(3);
    }

    @Override
    public Optional<WorkerRecord> read(String worker) {
        return cluster.read(worker);
    }

    @Override
    public Optional<Lease> claim(ClaimRequest request) {
        if (closed.get()) {
            return Optional.empty();
        }
        return cluster.claim(nodeId, session, request).map(state -> new MemoryLease(state, state.running().kind()));
    }

    @Override
    public void pause(String worker) {
        cluster.setPaused(worker, true);
    }

    @Override
    public void resume(String worker) {
        cluster.setPaused(worker, false);
    }

    @Override
    public void trigger(String worker) {
        cluster.trigger(worker);
    }

    @Override
    public dev.baton.worker.spi.CoordinationStatus status() {
        return cluster.status(nodeId);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            cluster.leave(nodeId);
        }
    }

    private final class MemoryLease implements Lease {
        private final SlotState claimed;
        private final ClaimRequest.Kind kind;
        private final List<Runnable> lostActions = new ArrayList<>();
        private boolean ended;
        private boolean lostFired;

        MemoryLease(SlotState claimed, ClaimRequest.Kind kind) {
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
            return check(cluster.valid(worker(), fencingToken()));
        }

        @Override
        public boolean renew() {
            return check(cluster.renew(worker(), fencingToken()));
        }

        @Override
        public void onLost(Runnable action) {
            boolean runNow;
            synchronized (this) {
                runNow = lostFired;
                if (!runNow) {
                    lostActions.add(action);
                }
            }
            if (runNow) {
                action.run();
            }
        }

        @Override
        public Optional<WorkerRecord> complete(Outcome outcome) {
            end();
            return cluster.complete(worker(), fencingToken(), claimed.claimId(), outcome);
        }

        @Override
        public void release() {
            end();
            cluster.complete(worker(), fencingToken(), claimed.claimId(), Outcome.INTERRUPTED);
        }

        private synchronized void end() {
            if (ended) {
                throw new IllegalStateException("lease of worker '" + worker() + "' with fencing token "
                        + fencingToken() + " was already completed or released; a lease is single-use");
            }
            ended = true;
        }

        private boolean check(boolean valid) {
            List<Runnable> fire = List.of();
            synchronized (this) {
                if (!valid && !lostFired && !ended) {
                    lostFired = true;
                    fire = new ArrayList<>(lostActions);
                    lostActions.clear();
                }
            }
            fire.forEach(Runnable::run);
            return valid;
        }
    }
}
