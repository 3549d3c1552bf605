package dev.baton.coordinator.support;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.CoordinationStatus;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A coordination that behaves as another one does, except where a test scripts it otherwise: a
 * claim that blocks until released, claims refused as on the minority side of a split, leases
 * whose validity is gone by the time the execution would start.
 */
public final class ScriptedCoordination implements Coordination {

    private final Coordination real;
    public volatile CountDownLatch claimBlocked;
    public final CountDownLatch claimEntered = new CountDownLatch(1);
    public volatile boolean refuseClaims;
    /** How many of the next claims are refused, as a lock whose votes split between contenders. */
    public final java.util.concurrent.atomic.AtomicInteger refuseNext = new java.util.concurrent.atomic.AtomicInteger();
    /** The role this node reports for every worker, if set (the real one otherwise). */
    public volatile ClaimRole role;
    /** Roles of single workers, ahead of {@link #role}. */
    public final java.util.Map<String, ClaimRole> roles = new java.util.concurrent.ConcurrentHashMap<>();
    /** When set, only this worker's claims wait on {@link #claimBlocked}. */
    public volatile String claimBlockedWorker;
    /** While set, a look at the role waits for it (the role is read before waiting). */
    public volatile CountDownLatch roleBlocked;
    public final CountDownLatch roleEntered = new CountDownLatch(1);
    /** The engine's events, as the coordination received them at start. */
    public volatile CoordinationEvents events;
    /** Holds back the pause events the real coordination delivers (two sessions' logs are not ordered). */
    public volatile boolean holdPauseEvents;
    /** The pause events held back, in the order they came. */
    public final java.util.List<Runnable> heldPauseEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Whether this node's view of the balance changed a moment ago. */
    public volatile boolean settling;
    /** How many records this node read (one per worker for a readAll). */
    public final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    public final java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
    /** Whether {@link #claimPaths} records: a stack trace per claim is for the tests that ask. */
    public volatile boolean recordClaimPaths;
    /** For each claim, the engine's methods on the stack: which path claimed. */
    public final java.util.List<java.util.List<String>> claimPaths = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<String, Optional<WorkerRecord>> staleReads = new java.util.concurrent.ConcurrentHashMap<>();
    /** When set, a claim is granted before it waits on {@link #claimBlocked}: its answer is still on the way. */
    public volatile boolean blockAfterGrant;
    /** Leases granted to this node and neither completed nor released yet. */
    public final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    /** What {@link #held} was when this coordination was closed; -1 before. */
    public volatile int heldAtClose = -1;
    /** How many of the next leases arrive already lost. */
    public final java.util.concurrent.atomic.AtomicInteger invalidLeases = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * How many of the next leases can be lost on the test's word ({@link #loseLeases()}), as when the
     * node's lease watch sees its lock lapse (a pause, a cut) at a moment the test chooses.
     */
    public final java.util.concurrent.atomic.AtomicInteger losableLeases = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.List<LosableLease> losable = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Runs once, right after the next completion returned its record and before the engine handles it. */
    public final java.util.concurrent.atomic.AtomicReference<Runnable> afterNextCompletion =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** While set, reads of records fail, as a read from a member not reachable for a moment. */
    public volatile boolean failReads;
    /** While set, reads of records fail as on a member that stopped under the coordination (said once by it). */
    public volatile boolean stopped;
    /** How many of the next claims throw, as an unexpected failure in the coordination. */
    public final java.util.concurrent.atomic.AtomicInteger failNext = new java.util.concurrent.atomic.AtomicInteger();
    /** How many of the next claims are applied but their answers lost: the node is told it lost. */
    public final java.util.concurrent.atomic.AtomicInteger loseAnswers = new java.util.concurrent.atomic.AtomicInteger();
    /** Runs once, right after the next read returned its record and before the engine handles it. */
    public final java.util.concurrent.atomic.AtomicReference<Runnable> afterNextRead =
            new java.util.concurrent.atomic.AtomicReference<>();

    public ScriptedCoordination(Coordination real) {
        this.real = real;
    }

    @Override
    public Optional<Lease> claim(ClaimRequest request) {
        claims.incrementAndGet();
        if (recordClaimPaths) {
            claimPaths.add(java.util.Arrays.stream(new Throwable().getStackTrace())
                    .filter(e -> e.getClassName().endsWith("PeriodicEntry")).map(StackTraceElement::getMethodName).toList());
        }
        String blockedWorker = claimBlockedWorker;
        boolean blocks = blockedWorker == null || blockedWorker.equals(request.worker());
        boolean afterGrant = blockAfterGrant;
        if (blocks && !afterGrant && !passBlock(claimBlocked, claimEntered, "claim")) {
            return Optional.empty();
        }
        if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("scripted claim failure");
        }
        if (refuseClaims || refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Optional.empty();
        }
        if (loseAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            real.claim(request);
            return Optional.empty();
        }
        Optional<Lease> lease = real.claim(request).map(Tracked::new);
        if (blocks && afterGrant) {
            passBlock(claimBlocked, claimEntered, "claim");
        }
        if (lease.isPresent() && losableLeases.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            LosableLease l = new LosableLease(lease.get());
            losable.add(l);
            return Optional.of(l);
        }
        return lease.isPresent() && invalidLeases.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                ? lease.map(InvalidLease::new) : lease;
    }

    /** Loses every losable lease granted so far: their validity ends and their lost-actions run, on this thread. */
    public void loseLeases() {
        losable.forEach(LosableLease::lose);
    }

    /** A lease that is lost when the test says so. */
    private static final class LosableLease extends ForwardingLease {
        private final java.util.List<Runnable> actions = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean lost;

        LosableLease(Lease lease) {
            super(lease);
        }

        void lose() {
            lost = true;
            actions.forEach(Runnable::run);
        }

        @Override
        public boolean isValid() {
            return !lost && lease.isValid();
        }

        @Override
        public boolean renew() {
            return !lost && lease.renew();
        }

        @Override
        public void onLost(Runnable action) {
            if (lost) {
                action.run();
            } else {
                actions.add(action);
                lease.onLost(action);
            }
        }
    }

    /** Passes every call to {@code lease}; the scripted leases below change a few. */
    private abstract static class ForwardingLease implements Lease {
        final Lease lease;

        ForwardingLease(Lease lease) {
            this.lease = lease;
        }

        @Override
        public String worker() {
            return lease.worker();
        }

        @Override
        public Instant slot() {
            return lease.slot();
        }

        @Override
        public ClaimRequest.Kind kind() {
            return lease.kind();
        }

        @Override
        public long fencingToken() {
            return lease.fencingToken();
        }

        @Override
        public Optional<Instant> passedDeferredSlot() {
            return lease.passedDeferredSlot();
        }

        @Override
        public boolean isValid() {
            return lease.isValid();
        }

        @Override
        public boolean renew() {
            return lease.renew();
        }

        @Override
        public void onLost(Runnable action) {
            lease.onLost(action);
        }

        @Override
        public Optional<WorkerRecord> complete(Outcome outcome) {
            return lease.complete(outcome);
        }

        @Override
        public void release() {
            lease.release();
        }
    }

    /** A lease counted in {@link #held} until it is completed or released. */
    private final class Tracked extends ForwardingLease {
        private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        Tracked(Lease lease) {
            super(lease);
            held.incrementAndGet();
        }

        private void end() {
            if (ended.compareAndSet(false, true)) {
                held.decrementAndGet();
            }
        }

        @Override
        public Optional<WorkerRecord> complete(Outcome outcome) {
            end();
            Optional<WorkerRecord> record = lease.complete(outcome);
            Runnable after = afterNextCompletion.getAndSet(null);
            if (after != null) {
                after.run();
            }
            return record;
        }

        @Override
        public void release() {
            end();
            lease.release();
        }
    }

    /** A lease lost before its execution could start (a pause between the claim and the start). */
    private static final class InvalidLease extends ForwardingLease {
        InvalidLease(Lease lease) {
            super(lease);
        }

        @Override
        public boolean isValid() {
            return false;
        }

        @Override
        public boolean renew() {
            return false;
        }

        @Override
        public void onLost(Runnable action) {
            action.run();
        }
    }

    @Override
    public String nodeId() {
        return real.nodeId();
    }

    @Override
    public Instant now() {
        return real.now();
    }

    @Override
    public void start(CoordinationEvents events) {
        this.events = events;
        real.start(new CoordinationEvents() {
            @Override
            public void triggered(String worker) {
                events.triggered(worker);
            }

            @Override
            public void pauseChanged(String worker, boolean paused) {
                pauseChanged(worker, paused, 0, Optional.empty());
            }

            @Override
            public void pauseChanged(String worker, boolean paused, long token, Optional<Instant> madeAt) {
                if (holdPauseEvents) {
                    heldPauseEvents.add(() -> events.pauseChanged(worker, paused, token, madeAt));
                } else {
                    events.pauseChanged(worker, paused, token, madeAt);
                }
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
    }

    /** Delivers the pause events held back so far, the last first, and holds no more. */
    public void deliverHeldPauseEventsInReverse() {
        holdPauseEvents = false;
        java.util.List<Runnable> held = new java.util.ArrayList<>(heldPauseEvents);
        heldPauseEvents.clear();
        java.util.Collections.reverse(held);
        held.forEach(Runnable::run);
    }

    @Override
    public void register(String worker) {
        real.register(worker);
    }

    @Override
    public void unregister(String worker) {
        real.unregister(worker);
    }

    @Override
    public ClaimRole role(String worker) {
        ClaimRole forced = roles.getOrDefault(worker, role);
        ClaimRole answer = forced != null ? forced : real.role(worker);
        passBlock(roleBlocked, roleEntered, "role");
        return answer;
    }

    /** Waits while the test holds {@code block} (if set), saying so on {@code entered}; false if interrupted. */
    private static boolean passBlock(CountDownLatch block, CountDownLatch entered, String what) {
        if (block == null) {
            return true;
        }
        entered.countDown();
        try {
            if (!block.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the " + what);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean balanceSettling() {
        return settling;
    }

    @Override
    public Duration stepInGrace() {
        return real.stepInGrace();
    }

    @Override
    public Duration renewInterval() {
        return real.renewInterval();
    }

    @Override
    public Optional<WorkerRecord> read(String worker) {
        reads.incrementAndGet();
        if (failReads) {
            throw new IllegalStateException("read of " + worker + " failed (scripted)");
        }
        if (stopped) {
            throw new dev.baton.coordinator.internal.CoordinationStoppedException("the member stopped (scripted)", null);
        }
        Optional<WorkerRecord> stale = staleReads.get(worker);
        Optional<WorkerRecord> record = stale != null ? stale : real.read(worker);
        Runnable after = afterNextRead.getAndSet(null);
        if (after != null) {
            after.run();
        }
        return record;
    }

    /**
     * From now on, reads of {@code worker} return its record as it is now: on Hazelcast a dead
     * holder's run shows as running until a claim takes it over (the in-memory cluster ends it on read).
     */
    public void freezeReads(String worker) {
        staleReads.put(worker, real.read(worker));
    }

    public void thawReads(String worker) {
        staleReads.remove(worker);
    }

    @Override
    public void pause(String worker) {
        real.pause(worker);
    }

    @Override
    public void resume(String worker) {
        real.resume(worker);
    }

    @Override
    public void trigger(String worker) {
        real.trigger(worker);
    }

    @Override
    public CoordinationStatus status() {
        return real.status();
    }

    @Override
    public void close() {
        heldAtClose = held.get();
        real.close();
    }
}
