package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.LifecycleEvent;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.CoordinationStoppedException;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.CoordinationStatus;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordination on a Hazelcast cluster. A claim first takes the worker's lock in the session lock
 * tables (recorded by a quorum of voters), then claims the slot on the worker's record with an
 * entry processor (once per slot, fencing token). The safety argument is in
 * {@code docs/lease-protocol.md}.
 */
public final class HzCoordination implements Coordination {

    private static final Logger log = LoggerFactory.getLogger(HzCoordination.class);
    /** Where a member keeps its clocks, for the claim processor's deadline check. */
    static final String CLOCKS_KEY = "dev.baton.clocks";
    private static final long CLOCK_REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * How long the oldest member waits for the other members' Baton to answer before it founds the
     * cluster with those that did; a member that runs no Baton says so at once and is not waited for.
     */
    static final Duration BOOTSTRAP_WAIT = Duration.ofSeconds(10);
    /**
     * How long the member list must go without a newcomer before the oldest member founds: nodes
     * started together join a second or so apart, and one left out of the founding becomes a voter
     * only by a change, a lease later.
     */
    static final Duration BOOTSTRAP_SETTLE = Duration.ofSeconds(2);
    /** The least a look waits for its lock beyond one renewal: a couple of round trips. */
    private static final Duration LOOK_ROUND_TRIPS = Duration.ofMillis(200);

    private final HazelcastInstance hazelcast;
    private final String nodeId;
    private final HzSettings settings;
    private final Records records;
    private final VoterStore store;
    private final VoterState voters;
    private final FenceFloor floor = new FenceFloor();
    private final PeerClocks clocks;
    private final SessionTable table;
    private final LocalSession.Context context;
    private final AtomicReference<LocalSession> session = new AtomicReference<>();
    private final Object sessionLock = new Object();
    private final Set<String> registered = new HashSet<>();
    /** Actions a dead session did not log, for the session that replaces it; under the session lock. */
    private final List<Deferred> deferred = new ArrayList<>();

    private record Deferred(SessionOp.Kind kind, String worker, boolean flag, Action action) {
    }

    private final SessionLoop loop;
    /** This member's worker registers, or null while they are off (the product today). */
    private final HzRegisters registers;
    /** With registers: the pull that gates this member's accepts of voter changes; null while they are off. */
    private final VoterPulls pulls;
    /** With registers: anti-entropy, so that a member that missed writes catches up; null while they are off. */
    private final RegisterSync sync;
    /** With registers: claims, ends and actions written through them, reads from them; null while they are off. */
    private final RegisterRecords registerRecords;
    private final VotersDriver driver;
    private final LoopHolder wakeHolder = new LoopHolder();
    private final LongAdder renewals = new LongAdder();
    private final AtomicLong ownExpiries = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean leaving;
    private volatile UUID membershipListener;
    private volatile UUID lifecycleListener;
    /** The member list last seen and its ids as text: every claim asks for its role, and so for them. */
    private record MemberIds(Set<Member> members, Set<String> uuids) {
    }

    private volatile MemberIds memberIds;
    /** Hazelcast stopped its member under this coordination: nothing can be claimed or recorded any more. */
    private final AtomicBoolean memberStopped = new AtomicBoolean();
    /** The member's UUID when last asked (a member that merges back gets a new one). */
    private volatile String lastMemberUuid;
    /** When the loop found the session dead; read by a close waiting for its replacement. */
    private volatile long diedAtNanos;
    private long lastClockReport = System.nanoTime();

    /**
     * @param stateDirectory where this node's voter state is kept across restarts ({@link #stateIn}), or null
     */
    public HzCoordination(HazelcastInstance hazelcast, String nodeId, HzSettings settings, StateDirectory stateDirectory) {
        this(hazelcast, nodeId, settings, stateDirectory, false);
    }

    /**
     * @param registers whether this member takes worker registers and its sessions write them (step 1 of
     *                  docs/records-in-the-lock-tables.md: nothing claims through them yet)
     */
    HzCoordination(HazelcastInstance hazelcast, String nodeId, HzSettings settings, StateDirectory stateDirectory,
                   boolean registers) {
        this.hazelcast = hazelcast;
        this.nodeId = nodeId;
        this.settings = settings;
        this.records = new Records(hazelcast.getMap(HzSettings.RECORDS_MAP));
        long expiry = settings.expiry().toNanos();
        this.store = stateDirectory == null ? VoterStore.NONE : stateDirectory.store;
        if (registers && stateDirectory != null) {
            HzRegisters.forgetVoterIfLogLost(store, stateDirectory.directory, nodeId, RandomGenerator.getDefault());
        }
        this.voters = new VoterState(nodeId, null, System::nanoTime, expiry, RandomGenerator.getDefault(), store);
        floor.raise(ClaimRules.nextFence(0, 0, voters.fenceCeiling()));
        this.clocks = new PeerClocks(com.hazelcast.internal.util.Clock::currentTimeMillis, System::nanoTime);
        this.table = new SessionTable(expiry, settings.staleAfter().toNanos(), System::nanoTime, voters, floor,
                clocks::wallMillis);
        this.registers = registers ? HzRegisters.open(hazelcast, nodeId, voters, store,
                stateDirectory == null ? null : stateDirectory.directory, this.session::get) : null;
        if (this.registers != null) {
            table.registers(this.registers.table);
        }
        this.context = new LocalSession.Context(nodeId, this::localMemberUuid, table, voters, floor, clocks,
                System::nanoTime, settings.lease().toNanos(), settings.minClusterSize(), wakeHolder::wake, renewals);
        this.session.set(new LocalSession(newSessionId(), registered, context));
        this.loop = new SessionLoop(this, hazelcast, hazelcast.getExecutorService(HzSettings.EXECUTOR),
                settings.renewInterval().toNanos());
        // Nodes started together found the cluster together: wait a while for every member's Baton to come up.
        this.driver = new VotersDriver(voters, loop::callVoters, new VotersDriver.Timing(expiry,
                settings.voterRemovalDelay().toNanos(), TimeUnit.SECONDS.toNanos(2), BOOTSTRAP_WAIT.toNanos(),
                BOOTSTRAP_SETTLE.toNanos()),
                settings.minClusterSize(), System.nanoTime(), RandomGenerator.getDefault());
        wakeHolder.loop = loop;
        this.pulls = this.registers == null ? null
                : new VoterPulls(voters, this.registers.table, loop::callPull, expiry / 5, VoterPulls.PIECE,
                        this.registers.pullInstalls);
        if (pulls != null) {
            voters.gate(pulls);
        }
        this.registerRecords = this.registers == null ? null : new RegisterRecords(nodeId, this.registers.table, table,
                settings.releaseWait());
        this.sync = this.registers == null ? null : new RegisterSync(voters, this.registers.table, loop::callPull,
                expiry, expiry / 5, this.registers.pullInstalls);
        Object previous = hazelcast.getUserContext().putIfAbsent(RenewTask.TABLE_KEY, table);
        if (previous != null) {
            if (this.registers != null) {
                this.registers.close();
            }
            throw new IllegalStateException("this Hazelcast member already runs a Baton coordination; use one per"
                    + " member");
        }
        hazelcast.getUserContext().put(VotersTask.STATE_KEY, voters);
        hazelcast.getUserContext().put(CLOCKS_KEY, clocks);
        if (registerRecords != null) {
            hazelcast.getUserContext().put(ActionTask.COORDINATION_KEY, this);
        }
    }

    /** A node's voter state on disk, opened (and locked) before the coordination is built. */
    public static final class StateDirectory implements AutoCloseable {
        private final VoterStore store;
        private final java.nio.file.Path directory;

        private StateDirectory(VoterStore store, java.nio.file.Path directory) {
            this.store = store;
            this.directory = directory;
        }

        /** Releases the directory; the coordination that uses it does so when it closes. */
        @Override
        public void close() {
            store.close();
        }
    }

    /**
     * Opens the voter state of {@code nodeId} in {@code directory}.
     *
     * @throws IllegalStateException if the directory is unusable or another process runs as this node with it
     */
    public static StateDirectory stateIn(java.nio.file.Path directory, String nodeId) {
        return new StateDirectory(FileVoterStore.open(directory, nodeId), directory);
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

    /**
     * 64 random bits: a session id keys the send stamps members remember after it is gone, so another
     * process must never draw a forgotten one.
     */
    private String newSessionId() {
        return nodeId + "/" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    private String localMemberUuid() {
        try {
            String uuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
            lastMemberUuid = uuid;
            return uuid;
        } catch (HazelcastInstanceNotActiveException e) {
            // The member stopped under a running execution: its release is still written to this member's own table.
            String last = lastMemberUuid;
            if (last == null) {
                throw e;
            }
            return last;
        }
    }

    /**
     * Called by the loop every round: checks the session, replaces an expired one once every
     * other member must have expired it too, and keeps the voters in step with the fleet.
     */
    /**
     * Before every round: a session whose validity passed dies before it sends anything more, so that no
     * renewal sent after its lapse can bring back what it held.
     */
    void watchSession(long now) {
        LocalSession current = session.get();
        if (current.checkValidity(now)) {
            diedAtNanos = now;
            ownExpiries.incrementAndGet();
            log.warn("Session {} expired: it could not renew with a quorum of voters within the lease; its"
                    + " executions were interrupted, and a new session starts in {}", current.id, settings.expiry());
        }
    }

    void maintain(long now, List<Member> members) {
        LocalSession current = session.get();
        // Also while closing (the loop runs until the others heard the goodbye): the new session tells them
        // the actions the dead one could not, and is closing itself.
        if (current.isDead() && now - diedAtNanos > settings.expiry().toNanos()) {
            LocalSession next;
            synchronized (sessionLock) {
                next = current.successor(newSessionId(), registered);
                session.set(next);
                List<Deferred> replay = List.copyOf(deferred);
                deferred.clear();
                // Under the lock, so that no action made meanwhile is logged before these older ones.
                replay.forEach(d -> announce(d.kind(), d.worker(), d.flag(), d.action()));
            }
            table.forget(current.id);
            log.info("Session {} replaces expired session {}", next.id, current.id);
        }
        List<String> order = members.stream().map(m -> m.getUuid().toString()).toList();
        driver.tick(new VotersDriver.View(now, clocks.wallMillis(), localMemberUuid(), order, table.sessions(),
                session.get().notParticipating(), session.get().counting(), leaving));
        if (pulls != null) {
            pulls.tick(now, table.sessions(), localMemberUuid());
            sync.tick(now, table.sessions());
        }
        // Tokens other members issued reach this one in their messages: keep them too, in case they never come back.
        coverFences(clocks.clusterMillis());
        if (now - lastClockReport > CLOCK_REPORT_NANOS) {
            lastClockReport = now;
            clocks.reportFarOff();
        }
    }

    SessionTable table() {
        return table;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public Instant now() {
        return Instant.ofEpochMilli(clocks.clusterMillis());
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
            public void pauseChanged(String worker, boolean paused, long token, long madeAt) {
                events.pauseChanged(worker, paused, token, SlotState.Flags.madeAt(token, madeAt));
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
        voters.onLearn(v -> events.rebalanced());
        membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                events.rebalanced();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                events.rebalanced();
            }
        });
        lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                memberStopped();
            }
        });
        loop.start(nodeId);
        awaitClock();
        log.info("Baton coordination on Hazelcast started: node {}, session {}, lease {}, {} member(s)", nodeId,
                session().id, settings.lease(), hazelcast.getCluster().getMembers().size());
    }

    /**
     * Once the member is going, every claim would fail on it: workers stop claiming, and the reason
     * is said once rather than by every worker at every slot.
     */
    private void memberStopped() {
        // Also called by workers' reads, several at once where no lifecycle event came first.
        if (closed.get() || !memberStopped.compareAndSet(false, true)) {
            return;
        }
        log.error("The Hazelcast member under Baton on node {} is shutting down while Baton runs: this node claims"
                + " nothing more. Close the worker manager before its Hazelcast instance; if Hazelcast stopped by"
                + " itself (its log says why), restart the application", nodeId);
    }

    /**
     * Waits (bounded) until every member that runs Baton has answered once: the cluster clock is
     * their median, and a node that planned its first slots on its own clock alone could plan them
     * minutes off.
     */
    private void awaitClock() {
        long deadline = System.nanoTime() + settings.renewInterval().multipliedBy(4).plusSeconds(1).toNanos();
        while (System.nanoTime() < deadline) {
            Set<String> others = new HashSet<>(memberUuids());
            others.remove(localMemberUuid());
            others.removeAll(session().notParticipating());
            if (clocks.sampled(others) || !sleep(10)) {
                return;
            }
        }
        log.debug("Not every member answered within the start-up wait; the cluster clock settles as they do");
    }

    @Override
    public void register(String worker) {
        announceRegistration(worker, true);
    }

    @Override
    public void unregister(String worker) {
        announceRegistration(worker, false);
    }

    private void announceRegistration(String worker, boolean on) {
        synchronized (sessionLock) {
            if (on) {
                registered.add(worker);
            } else {
                registered.remove(worker);
            }
            session().announce(on ? SessionOp.Kind.REGISTER : SessionOp.Kind.UNREGISTER, worker, false);
        }
    }

    /** Announces a trigger or a pause now, or with the next session if this one has expired. */
    private void announce(SessionOp.Kind kind, String worker, boolean flag, Action action) {
        synchronized (sessionLock) {
            // The loop may find the session dead between a look and the announce: then it logged nothing.
            if (!session().announce(kind, worker, flag, action.token(), action.madeAt())) {
                deferred.add(new Deferred(kind, worker, flag, action));
            }
        }
    }

    @Override
    public ClaimRole role(String worker) {
        if (memberStopped.get()) {
            return ClaimRole.STANDBY;
        }
        try {
            return table.role(worker, memberUuids());
        } catch (HazelcastInstanceNotActiveException e) {
            // The member went between the look at the flag and the member list.
            memberStopped();
            return ClaimRole.STANDBY;
        }
    }

    /** The ids of the current members, as text; unmodifiable. */
    private Set<String> memberUuids() {
        Set<Member> current = hazelcast.getCluster().getMembers();
        MemberIds known = memberIds;
        if (known != null && known.members().equals(current)) {
            return known.uuids();
        }
        Set<String> uuids = new HashSet<>();
        for (Member m : current) {
            uuids.add(m.getUuid().toString());
        }
        MemberIds fresh = new MemberIds(Set.copyOf(current), Set.copyOf(uuids));
        memberIds = fresh;
        return fresh.uuids();
    }

    @Override
    public Duration stepInGrace() {
        return settings.stepInGrace();
    }

    /** Views converge within a few renewals of the sessions; two expiries cover a merge's churn. */
    @Override
    public boolean balanceSettling() {
        return table.rolesChangedWithin(settings.expiry().toNanos() * 2);
    }

    @Override
    public Duration renewInterval() {
        return settings.renewInterval();
    }

    @Override
    public Optional<WorkerRecord> read(String worker) {
        if (registerRecords != null) {
            return readRegister(worker);
        }
        HzSlot slot;
        try {
            slot = records.map().get(worker);
        } catch (HazelcastInstanceNotActiveException e) {
            // The lifecycle event has made the report unless the member stopped without one (Hazelcast's
            // shutdown on an OutOfMemoryError fires none): then the first read that meets it makes it.
            memberStopped();
            throw new CoordinationStoppedException("the Hazelcast member under node " + nodeId + " stopped", e);
        }
        if (slot == null) {
            return Optional.empty();
        }
        raiseFloor(slot.state());
        return Optional.of(slot.state().toRecord());
    }

    private Optional<WorkerRecord> readRegister(String worker) {
        Optional<SlotState> state = registerRecords.read(worker);
        state.ifPresent(this::raiseFloor);
        return state.map(SlotState::toRecord);
    }

    /** Tokens this node issues go above every one it has seen, operator actions' too. */
    private void raiseFloor(SlotState s) {
        floor.raise(Math.max(s.fence(), Math.max(s.flags().pauseToken(), s.flags().triggerRequested())));
    }

    /**
     * One read per record, all on their way at once: a read whose partition a frozen or cut-off
     * member owns waits for Hazelcast's call or heartbeat timeout (5 s), and a view waits for none.
     */
    @Override
    public Map<String, Optional<WorkerRecord>> readWithin(Set<String> workers, Duration wait) {
        if (registerRecords != null) {
            return readFromQuorum(workers, wait);
        }
        Map<String, CompletableFuture<HzSlot>> reads = new HashMap<>();
        workers.forEach(w -> reads.put(w, records.map().getAsync(w).toCompletableFuture()));
        try {
            CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // What came in time is shown; the rest is left out.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Optional<WorkerRecord>> result = new HashMap<>();
        reads.forEach((w, read) -> {
            if (read.isDone() && !read.isCompletedExceptionally()) {
                Optional<HzSlot> slot = Optional.ofNullable(read.join());
                slot.ifPresent(s -> raiseFloor(s.state()));
                result.put(w, slot.map(s -> s.state().toRecord()));
            }
        });
        return result;
    }

    /**
     * Every member is asked what its registers hold; once a majority of the voters answered (or all members
     * did, or {@code wait} passed), their answers make the view. Fewer than a majority: nothing is shown, as
     * the map's reads leave out the records that did not come in time.
     */
    private Map<String, Optional<WorkerRecord>> readFromQuorum(Set<String> workers, Duration wait) {
        if (workers.isEmpty()) {
            return Map.of();
        }
        List<String> asked = List.copyOf(workers);
        Voters current = voters.current();
        List<RegisterReads.Answer> answers = new ArrayList<>();
        CompletableFuture<Void> enough = new CompletableFuture<>();
        try {
            Collection<Future<byte[]>> calls = hazelcast.getExecutorService(HzSettings.READS_EXECUTOR)
                    .submitToAllMembers(new ReadTask(asked)).values();
            AtomicInteger pending = new AtomicInteger(calls.size());
            for (Future<byte[]> call : calls) {
                ((CompletionStage<byte[]>) call).whenComplete((bytes, e) -> {
                    synchronized (answers) {
                        if (e == null) {
                            try {
                                answers.add(RegisterReads.decode(bytes));
                            } catch (IOException | RuntimeException x) {
                                log.debug("A member's answer to a read is unreadable here: {}", x.toString());
                            }
                        }
                        if (pending.decrementAndGet() == 0 || RegisterReads.fromMajority(current, answers)) {
                            enough.complete(null);
                        }
                    }
                });
            }
            awaitUntil(enough, System.nanoTime() + wait.toNanos());
        } catch (RuntimeException e) {
            log.debug("A read from a quorum failed: {}", e.toString());
        }
        Map<String, Optional<WorkerRecord>> result = new HashMap<>();
        Optional<Map<String, Optional<SlotState>>> newest;
        synchronized (answers) {
            newest = RegisterReads.newest(current, answers, asked);
        }
        newest.ifPresent(found -> found.forEach((w, state) -> {
            state.ifPresent(this::raiseFloor);
            result.put(w, state.map(SlotState::toRecord));
        }));
        return result;
    }

    /** What this member's registers hold of {@code workers}, for another node's read from a quorum. */
    byte[] registersHere(List<String> workers) {
        if (closed.get() || registers == null) {
            return new byte[0];
        }
        return RegisterReads.encode(voters.voterId(), voters.current().lineage(), registers.table, workers);
    }

    /**
     * One read per member that owns some of the records. Hazelcast 5.7 gives every partition's read
     * the whole key set and has each find its own keys, hashing all of them once per partition: for
     * a node's standby records (thousands) that cost more CPU than the reads themselves. Per owner,
     * each partition hashes only its member's keys.
     */
    @Override
    public Map<String, WorkerRecord> readAll(Set<String> workers) {
        if (registerRecords != null) {
            Map<String, WorkerRecord> result = new HashMap<>();
            workers.forEach(w -> readRegister(w).ifPresent(r -> result.put(w, r)));
            return result;
        }
        Map<Object, Set<String>> byOwner = new HashMap<>();
        workers.forEach(w -> byOwner.computeIfAbsent(ownerOf(w), o -> new HashSet<>()).add(w));
        Map<String, WorkerRecord> result = new HashMap<>();
        for (Set<String> owned : byOwner.values()) {
            records.map().getAll(owned).forEach((w, slot) -> {
                raiseFloor(slot.state());
                result.put(w, slot.state().toRecord());
            });
        }
        return result;
    }

    /** The member that owns a record's partition now (or none while it moves). */
    private Object ownerOf(String worker) {
        Member owner = hazelcast.getPartitionService().getPartition(worker).getOwner();
        return owner == null ? "" : owner.getUuid();
    }

    @Override
    public Optional<Lease> claim(ClaimRequest request) {
        if (closed.get() || leaving || !started.get() || memberStopped.get()) {
            return Optional.empty();
        }
        String worker = request.worker();
        LocalSession s = session();
        if (registerRecords != null) {
            registerRecords.claimStarts(worker);
            try {
                // An operator action on this node may hold the worker's lock for a moment: the claim goes after it.
                registerRecords.awaitAction(worker, System.nanoTime() + settings.acquireTimeout().toNanos());
                return claim(s, request);
            } finally {
                registerRecords.claimEnds(worker);
            }
        }
        return claim(s, request);
    }

    private Optional<Lease> claim(LocalSession s, ClaimRequest request) {
        String worker = request.worker();
        if (!acquire(s, worker)) {
            log.debug("Claim of {} slot {}: the lock was not granted", worker, request.slot());
            return Optional.empty();
        }
        long clusterNow = clocks.clusterMillis();
        long validUntil = s.lockValidUntil(worker);
        long validForMillis = validUntil == Long.MIN_VALUE ? 0
                : TimeUnit.NANOSECONDS.toMillis(validUntil - System.nanoTime());
        if (validForMillis <= settings.margin().toMillis()) {
            // Lost (or about to be) since it was granted: a deadline from it would be meaningless.
            s.release(worker, false);
            return Optional.empty();
        }
        long deadline = clusterNow + validForMillis - settings.margin().toMillis();
        long claimId = s.nextClaimId();
        coverFences(clusterNow);
        ClaimRules.Claim claim = new ClaimRules.Claim(request, nodeId, s.id, claimId, clusterNow, clusterNow,
                floor.get(), ClaimRules.REBASE_MIN_MILLIS);
        if (registerRecords != null) {
            return claimThroughRegister(s, claim, validUntil);
        }
        ClaimProcessor processor = new ClaimProcessor(claim, deadline, new ClaimProcessor.Locals(clocks, table));
        Records.Result<HzSlot> result;
        try {
            result = records.call(worker, processor, () -> !closed.get() && s.holds(worker));
        } catch (RuntimeException e) {
            log.warn("Claim of {} slot {} failed: {}; the slot counts as unfinished", worker, request.slot(),
                    e.toString());
            s.release(worker, true);
            return Optional.empty();
        }
        if (!result.applied()) {
            log.debug("Claim of {} slot {}: {}", worker, request.slot(),
                    result.status() == Records.Status.UNKNOWN ? "outcome unknown" : "refused by the record");
            // An unknown outcome may have left the record running for this session: others re-run it.
            s.release(worker, result.status() == Records.Status.UNKNOWN);
            return Optional.empty();
        }
        floor.raise(result.value().state().fence());
        HzLease lease = new HzLease(this, s, result.value().state(), result.value().state().running().kind());
        if (!lease.isValid()) {
            lease.release();
            return Optional.empty();
        }
        return Optional.of(lease);
    }

    /**
     * The claim as a write of the worker's register: granted when the record holding it is learned chosen
     * while the lock is still valid. No deadline goes with it: a late copy of the write is refused by
     * the ballots, not by the clock.
     */
    private Optional<Lease> claimThroughRegister(LocalSession s, ClaimRules.Claim claim, long lockValidUntil) {
        String worker = claim.request().worker();
        long waitUntil = lockValidUntil - settings.margin().toNanos();
        CompletableFuture<Void> decided = new CompletableFuture<>();
        try {
            SlotState claimed = awaitUntil(registerRecords.claim(s, claim, decided), waitUntil);
            boolean granted = claimed != null && claimed.isRunning() && claimed.running().claimId() == claim.claimId();
            if (!granted) {
                // Not chosen in time, or given up with its lock: it may still be chosen, and others must look.
                boolean unknown = claimed == null && !s.holds(worker) || System.nanoTime() >= waitUntil;
                log.debug("Claim of {} slot {}: {}", worker, claim.request().slot(),
                        unknown ? "outcome unknown" : "refused by the record");
                s.release(worker, unknown);
                return Optional.empty();
            }
            // The run's lock from here on: actions ride on it (the end below waits in turn after them).
            decided.complete(null);
            floor.raise(claimed.fence());
            long validUntil = s.lockValidUntil(worker);
            if (validUntil == Long.MIN_VALUE || validUntil - System.nanoTime() <= settings.margin().toNanos()) {
                // Chosen, but the lock is lost (or about to be) by now: the run counts as cut short.
                new HzLease(this, s, claimed, claimed.running().kind()).release();
                return Optional.empty();
            }
            return Optional.of(new HzLease(this, s, claimed, claimed.running().kind()));
        } finally {
            decided.complete(null);
        }
    }

    /**
     * The future's value (a register write's, an acquire's, a release's), or null if it was not done before
     * {@code untilNanos}, failed, or the thread was interrupted (the interrupt is kept).
     */
    static <T> T awaitUntil(CompletableFuture<T> future, long untilNanos) {
        try {
            return future.get(Math.max(1, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    private boolean acquire(LocalSession s, String worker) {
        long deadline = System.nanoTime() + settings.acquireTimeout().toNanos();
        // A session without a quorum asks nothing: its request would only sit in tables as a stale refusal.
        while (!s.isValid()) {
            if (System.nanoTime() > deadline || closed.get() || s.isDead() || !sleep(5)) {
                return false;
            }
        }
        // A node that is not the worker's preferred one only looks: while a dead holder's lock
        // expires, its request and the preferred node's can split the members' votes, and neither
        // is granted until one gives up. It gives up soon, so the preferred node waits no longer;
        // never sooner than a renewal and a couple of round trips, which a hand-over of the lock takes.
        Duration renew = settings.renewInterval();
        Duration lookWait = renew.plus(renew.compareTo(LOOK_ROUND_TRIPS) > 0 ? renew : LOOK_ROUND_TRIPS);
        long until = role(worker) == ClaimRole.PREFERRED ? deadline
                : Math.min(deadline, System.nanoTime() + lookWait.toNanos());
        try {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()));
            return s.acquire(worker).get(left, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.release(worker, false);
            return false;
        } catch (ExecutionException | TimeoutException e) {
            s.release(worker, false);
            return false;
        }
    }

    /** Records the outcome (if the record still belongs to this claim), then gives the lock back. */
    Optional<WorkerRecord> complete(LocalSession s, String worker, long fence, long claimId, Outcome outcome) {
        // While this node holds the lock nobody else can touch the record, so it waits for the record's member
        // (a frozen one is removed after the heartbeat timeout) rather than call the slot unfinished, which would
        // have another node run again what may already have succeeded.
        long giveUpAt = System.nanoTime() + settings.lease().multipliedBy(6).toNanos();
        long now = clocks.clusterMillis();
        // Whether the record surely says how the slot ended.
        boolean known = false;
        CompletableFuture<Void> givenBack = new CompletableFuture<>();
        try {
            if (registerRecords != null) {
                SlotState ended = awaitUntil(registerRecords.complete(s, worker, fence, claimId, outcome, now,
                        givenBack), giveUpAt);
                known = ended != null;
                return Optional.ofNullable(ended).map(SlotState::toRecord);
            }
            Records.Result<HzSlot> result = records.call(worker, new CompleteProcessor(fence, claimId, outcome, now),
                    () -> !closed.get() && System.nanoTime() < giveUpAt && s.holds(worker));
            known = result.status() == Records.Status.DONE;
            return result.applied() ? Optional.of(result.value().state().toRecord()) : Optional.empty();
        } catch (RuntimeException e) {
            log.warn("Recording outcome {} of worker {} failed: {}", outcome, worker, e.toString());
            return Optional.empty();
        } finally {
            // Unless the record surely says how the slot ended, others must look: it may need a re-run.
            boolean unfinished = !outcome.closesSlot() || !known;
            CompletableFuture<Void> released = s.release(worker, unfinished);
            givenBack.complete(null);
            // Only another node's claim needs every member to have heard the release first: this node's next
            // claim comes after it in the session's order on every member. So the node that prefers the worker
            // goes on at once, unless it is handing its workers over or others must look at the slot.
            if (unfinished || leaving || closed.get() || !preferredHere(worker)) {
                awaitQuietly(released);
            }
        }
    }

    /** Whether this node prefers the worker; false if that cannot be told (the member is stopping). */
    private boolean preferredHere(String worker) {
        try {
            return role(worker) == ClaimRole.PREFERRED;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Waits (bounded) until every member has heard of a release, so that another node's next claim wins. */
    private void awaitQuietly(CompletableFuture<Void> applied) {
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
        announce(SessionOp.Kind.PAUSE, worker, true, flag(worker, ClaimRules.Flag.PAUSE));
    }

    @Override
    public void resume(String worker) {
        announce(SessionOp.Kind.PAUSE, worker, false, flag(worker, ClaimRules.Flag.RESUME));
    }

    /**
     * Keeps the highest token time this node issues or has seen on its disk (with a state directory),
     * so that after a whole-cluster restart tokens go above every earlier one even if the node whose
     * clock was ahead does not come back.
     */
    private void coverFences(long baseMillis) {
        voters.coverFences(Math.max(baseMillis, ClaimRules.millisOf(floor.get())),
                settings.fenceReserve().toMillis());
    }

    @Override
    public void trigger(String worker) {
        announce(SessionOp.Kind.TRIGGER, worker, false, flag(worker, ClaimRules.Flag.TRIGGER));
    }

    /**
     * A node without a quorum of the voters changes no record, as it claims no slot: its side of a
     * split may be the smaller, whose action the other side would not hear of until the merge (the
     * records map refuses it there only with a {@code minClusterSize} floor).
     */
    private void awaitQuorum(String worker, ClaimRules.Flag flag, long giveUpAt) {
        while (!session().isValid()) {
            if (System.nanoTime() > giveUpAt || closed.get() || !sleep(5)) {
                throw new IllegalStateException("could not " + flag.name().toLowerCase() + " worker '" + worker
                        + "': no quorum of the voters answers this node (it is starting, cut off from the majority,"
                        + " or its session just expired); try a node that is ready");
            }
        }
    }

    /**
     * An operator action as the record holds it: its token (0 if a member of the release before
     * applied it) and when it was made, on this node's estimate of the cluster clock; a token may
     * lie ahead of that, above one issued under a clock that was ahead.
     */
    private record Action(long token, long madeAt) {
    }

    /** Makes the operator action. */
    private Action flag(String worker, ClaimRules.Flag flag) {
        long giveUpAt = System.nanoTime() + settings.lease().toNanos();
        // Tells this action from another node's with the same token (SlotState.Flags#triggerId).
        long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        while (true) {
            awaitQuorum(worker, flag, giveUpAt);
            long madeAt = clocks.clusterMillis();
            long token = ClaimRules.nextFence(0, floor.get(), madeAt);
            coverFences(madeAt);
            floor.raise(token);
            if (registerRecords != null) {
                long above = actionThroughRegisters(worker, flag, token, madeAt, id, giveUpAt);
                if (above == 0) {
                    return new Action(token, madeAt);
                }
                floor.raise(above);
                continue;
            }
            // Not past the session's quorum either: a call that could not reach the record's owner would
            // otherwise land on this side's copy once Hazelcast removed the members it cannot hear.
            Records.Result<Long> result = records.call(worker, new FlagProcessor(flag, token, madeAt, id),
                    () -> !closed.get() && System.nanoTime() < giveUpAt && session().isValid());
            if (result.status() != Records.Status.DONE) {
                throw new IllegalStateException("could not " + flag.name().toLowerCase() + " worker '" + worker
                        + "': " + (result.status() == Records.Status.REFUSED
                        ? "this node is on the minority side of a split and cannot change records; try a node of the majority"
                        : "the cluster did not confirm the change in time, so it may or may not have taken effect;"
                        + " check the worker's state and act again if needed"));
            }
            // A member of the release before answers true, and may have dropped a token below the record's.
            if (!(result.value() instanceof Long above)) {
                return new Action(0, 0);
            }
            if (above == 0) {
                return new Action(token, madeAt);
            }
            if (result.repeated()) {
                // An earlier copy may have applied and another action followed it: doing it again would
                // undo that one, or run a trigger twice.
                throw new IllegalStateException("could not tell whether " + flag.name().toLowerCase() + " of worker '"
                        + worker + "' took effect: the cluster's answer was lost and another action on the worker"
                        + " followed; check the worker's state and act again if needed");
            }
            // Made on an estimate of the cluster clock behind the one that made the record's last action.
            log.debug("Worker {}: {} again above the record's token {}", worker, flag.name().toLowerCase(), above);
            floor.raise(above);
        }
    }

    /**
     * An operator action with the records in the registers: every node is asked, and the one running the
     * worker writes it under its run's lock, or else the one that prefers it under a lock taken for it;
     * where none does (nobody prefers the worker, or its node is gone), this node takes the lock itself.
     * Returns 0 once the action holds, or the record's token that the action's must go above.
     */
    private long actionThroughRegisters(String worker, ClaimRules.Flag flag, long token, long madeAt, long id,
                                        long giveUpAt) {
        ActionRounds rounds = new ActionRounds(worker, flag);
        while (System.nanoTime() < giveUpAt) {
            long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(giveUpAt - System.nanoTime()));
            ActionTask task = new ActionTask(worker, flag, token, madeAt, id, waitMillis);
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            hazelcast.getExecutorService(HzSettings.ACTIONS_EXECUTOR).submitToAllMembers(task).values()
                    .forEach(f -> answers.add(((CompletionStage<Long>) f).toCompletableFuture()));
            Long answer = rounds.written(answers, giveUpAt);
            if (answer != null) {
                return answer;
            }
            if (rounds.declined(answers)) {
                long here = registerRecords.action(this::liveSession, worker, flag, token, madeAt, id, true, giveUpAt);
                if (here >= 0) {
                    return rounds.settle(here);
                }
                rounds.declinedHere(here);
            }
            sleep(20);
        }
        throw rounds.timedOut();
    }

    /** The records in the registers, or null while they are off: for tests. */
    RegisterRecords registerRecords() {
        return registerRecords;
    }

    /** The session, or null once this coordination is closing: it writes no action any more. */
    private LocalSession liveSession() {
        return closed.get() || leaving ? null : session();
    }

    /** This node's part of an action another node asked for (see {@link #actionThroughRegisters}). */
    long actionHere(String worker, ClaimRules.Flag flag, long token, long madeAt, long id, long giveUpAt) {
        if (closed.get() || registerRecords == null) {
            return RegisterRecords.NOT_MINE;
        }
        return registerRecords.action(this::liveSession, worker, flag, token, madeAt, id,
                role(worker) == ClaimRole.PREFERRED, giveUpAt);
    }

    @Override
    public CoordinationStatus status() {
        Set<String> members = memberUuids();
        LocalSession s = session();
        Voters current = voters.current();
        return new CoordinationStatus(s.isValid(), members.size(), s.quorum(), s.heldCount(), renewals.sum(),
                table.expiredSessions() + ownExpiries.get(), table.holders(), table.assignment(members),
                current.ids(), current.lineage(), current.contains(voters.voterId()));
    }

    @Override
    public List<String> resetVoters(String lineage) {
        Set<String> members = memberUuids();
        Set<String> live = new HashSet<>();
        for (SessionTable.SessionInfo s : table.sessions()) {
            if (members.contains(s.memberUuid()) && !s.closing() && !s.voterId().isEmpty()
                    && table.alive(s.session())) {
                live.add(s.voterId());
            }
        }
        Voters next = voters.reset(lineage, live, clocks.wallMillis());
        loop.wake();
        return next.ids();
    }

    /** The node running {@code worker} now, as this member's lock table sees it. */
    public Optional<String> holder(String worker) {
        return table.holder(worker);
    }

    @Override
    public void leaving() {
        if (leaving) {
            return;
        }
        // With the session lock, as a session's replacement: an expired session replaced now still closes.
        synchronized (sessionLock) {
            leaving = true;
            session().closing();
        }
        log.info("Node {} is leaving: the others take over its workers as their runs end", nodeId);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LocalSession s = session();
        int abandoned = s.heldCount();
        if (abandoned > 0) {
            log.warn("Closing with {} lease(s) still held by executions that did not stop; they expire on their own",
                    abandoned);
        }
        leaving();
        if (memberStopped.get()) {
            // Nobody to tell: the others removed this member when it went.
            loop.stop();
            if (registers != null) {
                registers.close();
            }
            store.close();
            log.info("Baton coordination on node {} closed (its Hazelcast member had stopped)", nodeId);
            return;
        }
        if (started.get()) {
            long closeBy = System.nanoTime() + closeLimit(settings).toNanos();
            leaveVoters();
            awaitAcknowledged(closeBy);
        }
        loop.stop();
        UUID listener = membershipListener;
        UUID lifecycle = lifecycleListener;
        try {
            if (listener != null) {
                hazelcast.getCluster().removeMembershipListener(listener);
            }
            if (lifecycle != null) {
                hazelcast.getLifecycleService().removeLifecycleListener(lifecycle);
            }
        } catch (RuntimeException e) {
            log.debug("Removing the membership or lifecycle listener failed", e);
        }
        if (registers != null) {
            registers.close();
        }
        forget(RenewTask.TABLE_KEY, table);
        forget(VotersTask.STATE_KEY, voters);
        store.close();
        forget(CLOCKS_KEY, clocks);
        forget(ActionTask.COORDINATION_KEY, this);
        log.info("Baton coordination on node {} closed", nodeId);
    }

    /** Takes this coordination's part out of the member's user context, unless the member stopped meanwhile. */
    private void forget(String key, Object value) {
        try {
            hazelcast.getUserContext().remove(key, value);
        } catch (HazelcastInstanceNotActiveException e) {
            log.debug("The Hazelcast member stopped during the close; its user context went with it");
        }
    }

    /** The longest a graceful close spends leaving: giving the seat back, then the others' acknowledgements. */
    public static Duration closeLimit(HzSettings settings) {
        return seatReturnLimit(settings.expiry()).plus(settings.closeTimeout());
    }

    /**
     * How long a leaving voter waits to give its seat back: at the floor that can take three changes
     * (an heir in, that heir out if it was lost at once, then the leaver out), each a lease and margin
     * after the one before, plus 2 s for the calls. With one expiry less, a leaver whose heir was lost
     * exited seated in two voters, one of them gone: the other one alone could change nothing again.
     */
    public static Duration seatReturnBound(Duration expiry) {
        return expiry.multipliedBy(3).plusSeconds(2);
    }

    /**
     * The longest a leaving voter waits while the voters keep changing ({@link LeaveWait}): two changes
     * more than {@link #seatReturnBound}, so that five voters leaving at once (seven scaled to two) all
     * give their seats back, one change a lease and margin after the other.
     */
    public static Duration seatReturnLimit(Duration expiry) {
        return seatReturnBound(expiry).plus(expiry.multipliedBy(2));
    }

    /** Waits (bounded) until the others removed this node from the voters, so that it leaves no hole in the quorum. */
    private void leaveVoters() {
        LeaveWait wait = new LeaveWait(System.nanoTime(), seatReturnBound(settings.expiry()).toNanos(),
                seatReturnLimit(settings.expiry()).toNanos(), voters.current().version());
        String self = voters.voterId();
        while (seated(self) && !wait.over(System.nanoTime(), voters.current().version())) {
            boolean reachable;
            try {
                reachable = majorityReachable();
            } catch (HazelcastInstanceNotActiveException e) {
                log.warn("Leaving while a voter of {}: the Hazelcast member stopped; the others remove it after {}",
                        voters.current(), settings.voterRemovalDelay());
                return;
            }
            if (!reachable) {
                log.warn("Leaving while a voter of {}: too few of them answer to agree on the change", voters.current());
                return;
            }
            loop.wake();
            if (!sleep(20)) {
                return;
            }
        }
        if (seated(self)) {
            log.warn("Leaving while still a voter of {}: the others remove it after {}", voters.current(),
                    settings.voterRemovalDelay());
        }
    }

    /**
     * Whether this process still holds a voter seat it should give back: as one of several voters,
     * or as the last one while another process could take it over.
     */
    private boolean seated(String self) {
        Voters current = voters.current();
        if (!current.contains(self)) {
            return false;
        }
        return current.size() > 1 || table.sessions().stream()
                .anyMatch(s -> !s.voterId().equals(self) && !s.closing() && table.alive(s.session()));
    }

    /**
     * The current members that run Baton: those with a session this member's table knows, not closing
     * (a Baton that closed keeps its Hazelcast member a while, and its session in the tables until swept),
     * and those whose session, not closing, the table swept lately: its own session dead too (an outage
     * longer than a lease kills every session at once), that Baton still runs and awaits its replacement.
     */
    private Set<String> batonMembers() {
        Set<String> members = memberUuids();
        Set<String> baton = new HashSet<>(table.lapsedMembers());
        for (SessionTable.SessionInfo s : table.sessions()) {
            if (!s.closing()) {
                baton.add(s.memberUuid());
            }
        }
        baton.retainAll(members);
        return baton;
    }

    /** Whether a majority of the voters, this process included, has a live session here. */
    private boolean majorityReachable() {
        Voters current = voters.current();
        Set<String> members = memberUuids();
        long live = table.sessions().stream()
                .filter(s -> members.contains(s.memberUuid()) && current.contains(s.voterId()))
                .filter(s -> table.alive(s.session()))
                .map(SessionTable.SessionInfo::voterId).distinct().count();
        return live >= current.majority();
    }

    /**
     * Waits (bounded) until every member heard this node's goodbye and its last changes. A dead session
     * sends nothing more: the wait ends at once, unless a current member missed an action (made as it
     * died, or not heard by that member), which the session replacing it tells the others, an expiry after
     * the death and within {@code closeBy}.
     */
    void awaitAcknowledged(long closeBy) {
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        while (true) {
            LocalSession s = session();
            if (s.isDead()) {
                Set<String> members;
                try {
                    members = batonMembers();
                } catch (HazelcastInstanceNotActiveException e) {
                    return;
                }
                boolean untold;
                synchronized (sessionLock) {
                    // Replaced meanwhile: what it had to tell is the new session's now.
                    untold = session() != s || s.leavesUntold(members, !deferred.isEmpty());
                }
                if (!untold) {
                    return;
                }
                long replacedBy = diedAtNanos + settings.expiry().toNanos();
                deadline = Math.min(closeBy, Math.max(deadline, replacedBy + settings.closeTimeout().toNanos()));
            } else if (s.allAcknowledged()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                return;
            }
            loop.wake();
            if (!sleep(10)) {
                return;
            }
        }
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
