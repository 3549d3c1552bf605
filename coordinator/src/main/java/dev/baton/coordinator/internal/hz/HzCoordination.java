package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordination on a Hazelcast cluster. A claim first takes the worker's lock in the session lock
 * table (granted by a quorum of members), then claims the slot on the worker's record with an
 * entry processor (once per slot, fencing token). The safety argument is in
 * {@code docs/lease-protocol.md}.
 */
public final class HzCoordination implements Coordination {

    private static final Logger log = LoggerFactory.getLogger(HzCoordination.class);

    private final HazelcastInstance hazelcast;
    private final String nodeId;
    private final HzSettings settings;
    private final IMap<String, HzSlot> records;
    private final SessionTable table;
    private final java.util.concurrent.atomic.AtomicReference<LocalSession> session =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final SessionLoop loop;
    private final LoopHolder wakeHolder = new LoopHolder();
    private long diedAtNanos;
    private final java.util.concurrent.atomic.LongAdder renewals = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicLong ownExpiries = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private UUID membershipListener;

    public HzCoordination(HazelcastInstance hazelcast, String nodeId, HzSettings settings) {
        this.hazelcast = hazelcast;
        this.nodeId = nodeId;
        this.settings = settings;
        this.records = hazelcast.getMap(HzSettings.RECORDS_MAP);
        this.table = new SessionTable(settings.lease().plus(settings.margin()).toNanos(),
                settings.staleAfter().toNanos(), System::nanoTime, this::otherMemberUuids);
        this.session.set(newSession(java.util.Set.of()));
        this.loop = new SessionLoop(this, table, hazelcast, hazelcast.getExecutorService(HzSettings.EXECUTOR),
                settings.renewInterval().toNanos());
        wakeHolder.loop = loop;
        Object previous = hazelcast.getUserContext().putIfAbsent(RenewTask.TABLE_KEY, table);
        if (previous != null) {
            throw new IllegalStateException("this Hazelcast member already runs a Baton coordination; use one per"
                    + " member");
        }
    }

    /** Lets the session wake its loop before the loop exists. */
    private static final class LoopHolder {
        volatile SessionLoop loop;

        void wake() {
            SessionLoop l = loop;
            if (l != null) {
                l.wake();
            }
        }
    }

    LocalSession session() {
        return session.get();
    }

    private LocalSession newSession(java.util.Set<String> registered) {
        String sessionId = nodeId + "/" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        return new LocalSession(sessionId, nodeId, this::localMemberUuid, registered, table, System::nanoTime,
                settings.lease().toNanos(), settings.minClusterSize(), wakeHolder::wake, renewals);
    }

    private String localMemberUuid() {
        return hazelcast.getCluster().getLocalMember().getUuid().toString();
    }

    /**
     * Called by the loop every round: when the session has expired, waits until every other
     * member has expired it too, then starts a fresh one. Nothing the old one held can come back.
     */
    void maintain(long now) {
        LocalSession current = session.get();
        if (current.checkValidity(now)) {
            diedAtNanos = now;
            ownExpiries.incrementAndGet();
            log.warn("Session {} expired: it could not renew with a quorum of members within the lease; its"
                    + " executions were interrupted, and a new session starts in {}", current.id,
                    settings.lease().plus(settings.margin()));
        }
        if (current.isDead() && !closed.get()
                && now - diedAtNanos > settings.lease().plus(settings.margin()).toNanos()) {
            LocalSession next = newSession(current.registered());
            session.set(next);
            table.forget(current.id);
            log.info("Session {} replaces expired session {}", next.id, current.id);
        }
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public Instant now() {
        return Instant.ofEpochMilli(hazelcast.getCluster().getClusterTime());
    }

    @Override
    public void start(CoordinationEvents events) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        table.listener(new SessionTable.Listener() {
            @Override
            public void triggered(String worker) {
                events.triggered(worker);
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
                events.pauseChanged(worker, paused);
            }

            @Override
            public void orphaned(String worker) {
                events.orphaned(worker);
            }

            @Override
            public void rebalanced() {
                events.rebalanced();
            }
        });
        membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                warnIfQuorumTooSmall(event.getMembers().size());
                events.rebalanced();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                events.rebalanced();
            }
        });
        loop.start(nodeId);
        log.info("Baton coordination on Hazelcast started: node {}, session {}, lease {}, quorum {} of {} member(s)",
                nodeId, session().id, settings.lease(), session().quorum(), hazelcast.getCluster().getMembers().size());
    }

    private void warnIfQuorumTooSmall(int members) {
        int min = settings.minClusterSize();
        if (members > 2 * min - 1 && members > 1) {
            log.warn("The cluster has {} members but BATON_MIN_CLUSTER_SIZE is {}: after a partition both sides could"
                    + " reach {} members and run workers. Set it to a majority of the fleet: {}", members, min, min,
                    members / 2 + 1);
        }
    }

    @Override
    public void register(String worker) {
        session().announce(SessionOp.Kind.REGISTER, worker, false);
    }

    @Override
    public void unregister(String worker) {
        session().announce(SessionOp.Kind.UNREGISTER, worker, false);
    }

    @Override
    public ClaimRole role(String worker) {
        Set<String> members = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(m.getUuid().toString());
        }
        return table.role(worker, members);
    }

    @Override
    public Duration stepInGrace() {
        return settings.stepInGrace();
    }

    @Override
    public Duration renewInterval() {
        return settings.renewInterval();
    }

    @Override
    public Optional<WorkerRecord> read(String worker) {
        HzSlot slot = records.get(worker);
        return Optional.ofNullable(slot).map(s -> s.state().toRecord());
    }

    @Override
    public java.util.Map<String, WorkerRecord> readAll(Set<String> workers) {
        java.util.Map<String, WorkerRecord> result = new java.util.HashMap<>();
        records.getAll(workers).forEach((w, slot) -> result.put(w, slot.state().toRecord()));
        return result;
    }

    @Override
    public Optional<Lease> claim(ClaimRequest request) {
        if (closed.get() || !started.get()) {
            return Optional.empty();
        }
        String worker = request.worker();
        LocalSession session = session();
        if (!acquire(session, worker)) {
            log.debug("Claim of {} slot {}: the lock was not granted", worker, request.slot());
            return Optional.empty();
        }
        try {
            HzSlot result = records.executeOnKey(worker,
                    new ClaimProcessor(request, nodeId, session.id, hazelcast.getCluster().getClusterTime()));
            if (result == null) {
                log.debug("Claim of {} slot {}: refused by the record", worker, request.slot());
                session.release(worker, false);
                return Optional.empty();
            }
            HzLease lease = new HzLease(this, session, result.state(), request.kind());
            if (!lease.isValid()) {
                lease.release();
                return Optional.empty();
            }
            return Optional.of(lease);
        } catch (RuntimeException e) {
            session.release(worker, false);
            log.debug("Claim of worker {} failed: {}", worker, e.toString());
            return Optional.empty();
        }
    }

    private boolean acquire(LocalSession session, String worker) {
        try {
            return session.acquire(worker).get(settings.acquireTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.release(worker, false);
            return false;
        } catch (ExecutionException | TimeoutException e) {
            session.release(worker, false);
            return false;
        }
    }

    /** Records the outcome (if the record still carries this fence), then gives the lock back. */
    Optional<WorkerRecord> complete(LocalSession session, String worker, long fence, Outcome outcome) {
        try {
            HzSlot result = records.executeOnKey(worker, new CompleteProcessor(fence, outcome,
                    hazelcast.getCluster().getClusterTime()));
            return Optional.ofNullable(result).map(s -> s.state().toRecord());
        } catch (RuntimeException e) {
            log.warn("Recording outcome {} of worker {} failed: {}", outcome, worker, e.toString());
            return Optional.empty();
        } finally {
            awaitQuietly(session.release(worker, !outcome.closesSlot()));
        }
    }

    /** Waits (bounded) until every member has heard of a release, so that the next claim anywhere wins. */
    private void awaitQuietly(java.util.concurrent.CompletableFuture<Void> applied) {
        try {
            applied.get(settings.releaseWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("A release was not acknowledged by every member in time; they will hear it with the next renewal");
        }
    }

    @Override
    public void pause(String worker) {
        records.executeOnKey(worker, new FlagProcessor(FlagProcessor.Flag.PAUSE));
        session().announce(SessionOp.Kind.PAUSE, worker, true);
    }

    @Override
    public void resume(String worker) {
        records.executeOnKey(worker, new FlagProcessor(FlagProcessor.Flag.RESUME));
        session().announce(SessionOp.Kind.PAUSE, worker, false);
    }

    @Override
    public void trigger(String worker) {
        records.executeOnKey(worker, new FlagProcessor(FlagProcessor.Flag.TRIGGER));
        session().announce(SessionOp.Kind.TRIGGER, worker, false);
    }

    @Override
    public dev.baton.worker.spi.CoordinationStatus status() {
        Set<String> members = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(m.getUuid().toString());
        }
        LocalSession s = session();
        boolean quorum = members.size() >= settings.minClusterSize() && s.isValid();
        return new dev.baton.worker.spi.CoordinationStatus(quorum, members.size(), s.quorum(), s.heldCount(),
                renewals.sum(), table.expiredSessions() + ownExpiries.get(), table.holders(),
                table.assignment(members));
    }

    /** The node running {@code worker} now, as this member's lock table sees it. */
    public Optional<String> holder(String worker) {
        return table.holder(worker);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LocalSession session = session();
        int abandoned = session.heldCount();
        if (abandoned > 0) {
            log.warn("Closing with {} lease(s) still held by executions that did not stop; they expire on their own",
                    abandoned);
        }
        session.closing();
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        while (started.get() && !session.allAcknowledged() && System.nanoTime() < deadline) {
            loop.wake();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        loop.stop();
        if (membershipListener != null) {
            try {
                hazelcast.getCluster().removeMembershipListener(membershipListener);
            } catch (RuntimeException e) {
                log.debug("Removing the membership listener failed", e);
            }
        }
        hazelcast.getUserContext().remove(RenewTask.TABLE_KEY, table);
        log.info("Baton coordination on node {} closed", nodeId);
    }

    private Set<String> otherMemberUuids() {
        String self = localMemberUuid();
        Set<String> uuids = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            String uuid = m.getUuid().toString();
            if (!uuid.equals(self)) {
                uuids.add(uuid);
            }
        }
        return uuids;
    }
}
