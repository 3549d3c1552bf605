package dev.baton.coordinator.support;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.CoordinationStatus;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Records as Hazelcast keeps them: the run of a holder that died reads as running until a claim
 * takes it over (nothing expires it on a read, as the in-memory cluster does). The rules are
 * {@link ClaimRules}, as in the entry processors; a holder counts as alive until {@link #kill}.
 */
public final class StickyRecords {

    private final Clock clock;
    private final Map<String, SlotState> records = new HashMap<>();
    private final Set<String> dead = new HashSet<>();
    private long claims;
    private long actions;
    private int sessions;

    public StickyRecords(Clock clock) {
        this.clock = clock;
    }

    /** The node's session dies: its runs are over, but the records still show them. */
    public synchronized void kill(Node node) {
        dead.add(node.session);
    }

    /** The node's session dies and the node goes on with a new one, as after a partition healed. */
    public synchronized void rejoin(Node node) {
        dead.add(node.session);
        node.session = node.id + "#" + (++sessions);
    }

    public synchronized SlotState state(String worker) {
        return records.get(worker);
    }

    public Node node(String id) {
        return new Node(id, id + "#" + (++sessions));
    }

    synchronized Optional<SlotState> claim(String node, String session, ClaimRequest request) {
        if (dead.contains(session)) {
            return Optional.empty();
        }
        SlotState current = records.getOrDefault(request.worker(), SlotState.empty(request.worker()));
        long now = clock.millis();
        boolean alive = current.isRunning() && !dead.contains(current.running().session());
        ClaimRules.Claim claim = new ClaimRules.Claim(request, node, session, ++claims, now, now, 0,
                ClaimRules.REBASE_MIN_MILLIS);
        Optional<SlotState> next = ClaimRules.claim(current, claim, alive).map(ClaimRules.Claimed::state);
        next.ifPresent(s -> records.put(request.worker(), s));
        return next;
    }

    synchronized Optional<SlotState> complete(String worker, long fence, long claimId, Outcome outcome) {
        SlotState s = records.get(worker);
        Optional<SlotState> next = s == null ? Optional.empty()
                : ClaimRules.complete(s, fence, claimId, outcome, clock.millis());
        next.ifPresent(n -> records.put(worker, n));
        return next;
    }

    synchronized boolean holds(String worker, long fence, String session) {
        SlotState s = records.get(worker);
        return !dead.contains(session) && s != null && ClaimRules.holds(s, fence);
    }

    synchronized void flags(String worker, java.util.function.UnaryOperator<SlotState.Flags> change) {
        SlotState s = records.getOrDefault(worker, SlotState.empty(worker));
        records.put(worker, s.withFlags(change.apply(s.flags())));
    }

    /**
     * Operator actions from now on get tokens above {@code token}, as on Hazelcast once a node's fence
     * floor holds a token issued under a member clock that was ahead (HzCoordination.flag).
     */
    public synchronized void actionsAbove(long token) {
        actions = Math.max(actions, token);
    }

    synchronized long nextAction() {
        actions = ClaimRules.nextFence(actions, 0, clock.millis());
        return actions;
    }

    /** One node; the only one that takes part, so it is the preferred node of every worker. */
    public final class Node implements Coordination {
        private final String id;
        volatile String session;
        private volatile CoordinationEvents events;

        Node(String id, String session) {
            this.id = id;
            this.session = session;
        }

        @Override
        public String nodeId() {
            return id;
        }

        @Override
        public Instant now() {
            return clock.instant();
        }

        @Override
        public void start(CoordinationEvents events) {
            this.events = events;
        }

        @Override
        public void register(String worker) {
        }

        @Override
        public void unregister(String worker) {
        }

        @Override
        public ClaimRole role(String worker) {
            return ClaimRole.PREFERRED;
        }

        @Override
        public Duration stepInGrace() {
            return Duration.ofMillis(500);
        }

        @Override
        public Duration renewInterval() {
            return Duration.ofSeconds(10);
        }

        @Override
        public Optional<WorkerRecord> read(String worker) {
            return Optional.ofNullable(state(worker)).map(SlotState::toRecord);
        }

        @Override
        public Optional<Lease> claim(ClaimRequest request) {
            String claimedBy = session;
            return StickyRecords.this.claim(id, claimedBy, request).map(s -> new StickyLease(claimedBy, s));
        }

        @Override
        public void pause(String worker) {
            long token = nextAction();
            long madeAt = clock.millis();
            flags(worker, f -> f.withPaused(true, token, madeAt));
        }

        @Override
        public void resume(String worker) {
            long token = nextAction();
            long madeAt = clock.millis();
            flags(worker, f -> f.withPaused(false, token, madeAt));
        }

        @Override
        public void trigger(String worker) {
            long token = nextAction();
            flags(worker, f -> f.withTrigger(token));
            CoordinationEvents e = events;
            if (e != null) {
                e.triggered(worker);
            }
        }

        @Override
        public CoordinationStatus status() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private final class StickyLease implements Lease {
        private final String session;
        private final SlotState claimed;

        StickyLease(String session, SlotState claimed) {
            this.session = session;
            this.claimed = claimed;
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
            return claimed.running().kind();
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
            return holds(worker(), fencingToken(), session);
        }

        @Override
        public boolean renew() {
            return isValid();
        }

        @Override
        public void onLost(Runnable action) {
        }

        @Override
        public Optional<WorkerRecord> complete(Outcome outcome) {
            return StickyRecords.this.complete(worker(), fencingToken(), claimed.claimId(), outcome)
                    .map(SlotState::toRecord);
        }

        @Override
        public void release() {
            StickyRecords.this.complete(worker(), fencingToken(), claimed.claimId(), Outcome.INTERRUPTED);
        }
    }
}
