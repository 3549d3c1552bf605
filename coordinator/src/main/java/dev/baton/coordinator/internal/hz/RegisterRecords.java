package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.RegisterState;
import dev.baton.worker.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The workers' records kept in their registers (step 3 of docs/records-in-the-lock-tables.md, on only
 * where an internal constructor asks for it): a claim, an end and an operator action are each one write
 * of the worker's register by the session that holds its lock, judged by {@link ClaimRules} on the last
 * value chosen, as the map's processors judge the map's entry. Reads come from this member's registers.
 */
final class RegisterRecords {

    /** An action's answer from a node that neither holds nor prefers the worker. */
    static final long NOT_MINE = -1;
    /** An action's answer from the node that prefers the worker while another node's run holds its lock. */
    static final long BUSY = -2;
    /**
     * An action's answer when its write was started and then given up: it may have been chosen (the caller
     * asks again; a later answer above its token cannot yet tell whether this copy held, see the design page).
     */
    static final long MAYBE = -3;

    private final String nodeId;
    private final TableRegisters registers;
    private final SessionTable table;
    private final Duration releaseWait;
    /**
     * Each worker's last write from this node: the next one waits for it, since a session writes one
     * value of a worker at a time (an action during a run goes between the claim and the end).
     */
    private final Map<String, CompletableFuture<?>> lastWrite = new ConcurrentHashMap<>();
    /** The workers whose lock an action took for itself, until it gives it back: a claim here waits. */
    private final Map<String, TakenLock> actions = new ConcurrentHashMap<>();
    /** The workers this node is claiming: an action waits, then rides on the run's lock. */
    private final Set<String> claiming = ConcurrentHashMap.newKeySet();

    /** @param releaseWait how long an action waits for every member to hear that it gave the lock back */
    RegisterRecords(String nodeId, TableRegisters registers, SessionTable table, Duration releaseWait) {
        this.nodeId = nodeId;
        this.registers = registers;
        this.table = table;
        this.releaseWait = releaseWait;
    }

    /**
     * Writes the claim: completes with the record holding it once chosen, or null if the record refuses
     * it or the write was given up (its lock lost, its session dead). Chosen again after the chain moved
     * on (a write whose answer was lost), the record found holding this claim id is the claim's replay.
     */
    CompletableFuture<SlotState> claim(LocalSession session, ClaimRules.Claim claim, CompletableFuture<?> decided) {
        String worker = claim.request().worker();
        // The next write here (an action riding on the lock) waits until the claim is granted or its lock given
        // back: started in between, the release of a refused claim would give it up.
        return inTurn(worker, () -> session.writeRegisterHeld(worker, base -> {
            SlotState current = base == null ? SlotState.empty(worker) : base;
            // As the map's processor: a run recorded for the claimer's own session is over, since a session
            // holds one lock per worker; another session's is alive while this member's table records it.
            boolean holderAlive = current.isRunning() && !current.running().session().equals(claim.session())
                    && table.records(worker, current.running().session());
            return ClaimRules.claim(current, claim, holderAlive, true).map(ClaimRules.Claimed::state).orElse(null);
        }), decided);
    }

    /**
     * Writes an execution's end: the record after it, or null if the record no longer belongs to the claim.
     * This node's next write of the worker waits for {@code released}, which the caller completes once it
     * gave the lock back.
     */
    CompletableFuture<SlotState> complete(LocalSession session, String worker, long fence, long claimId,
                                          Outcome outcome, long nowMillis, CompletableFuture<?> released) {
        return inTurn(worker, () -> session.writeRegisterHeld(worker, base -> base == null ? null
                : ClaimRules.complete(base, fence, claimId, outcome, nowMillis).orElse(null)), released);
    }

    /**
     * Writes an operator action on this node (see <i>The flags</i> on the design page): under the lock its
     * run holds, between the run's claim and its end; else, if {@code mayTakeLock} (this node prefers the
     * worker, or nobody answering does), under the lock taken for it and given back at once. Returns 0
     * once the action holds in the record, the record's token that the action's must go above,
     * {@link #NOT_MINE} if this node neither holds the lock nor may take it, or {@link #BUSY} if it may
     * but another node's run holds it.
     *
     * @throws IllegalStateException if the lock or the write could not be had before {@code giveUpAt}
     */
    long action(Supplier<LocalSession> sessions, String worker, ClaimRules.Flag flag, long token, long madeAt,
                long id, boolean mayTakeLock, long giveUpAt) {
        while (System.nanoTime() < giveUpAt) {
            // Read again each time: a session that died is replaced; one that is closing, cut off or
            // gone writes nothing, and the caller asks another node at once.
            LocalSession session = sessions.get();
            if (session == null || session.isDead() || !session.isValid()) {
                return NOT_MINE;
            }
            if (session.holds(worker)) {
                // Rides on the lock: a run's (between its claim and its end), or one another action here took.
                Write write = new Write(worker, flag, token, madeAt, id);
                boolean queued;
                TakenLock taken;
                synchronized (claiming) {
                    taken = actions.get(worker);
                    // On a taken lock once its taker's write is queued and until its deadline, unless a claim
                    // here waits for it.
                    queued = taken == null || taken.open && taken.held.isDone() && System.nanoTime() < taken.openUntil
                            && !claiming.contains(worker);
                    if (queued) {
                        write.queue(session);
                        if (taken != null) {
                            taken.drainBy = Math.max(taken.drainBy, giveUpAt);
                        }
                    }
                }
                if (!queued) {
                    if (taken.open && !taken.held.isDone()) {
                        HzCoordination.awaitUntil(taken.held, giveUpAt);
                    } else {
                        // That action is giving its lock back: this one goes after it.
                        HzCoordination.awaitUntil(taken.givenBack, giveUpAt);
                        pause();
                    }
                    continue;
                }
                long answer = write.await(giveUpAt);
                if (taken != null) {
                    // The last write on a taken lock gives it back before it answers (see releaseIfIdle).
                    releaseIfIdle(session, worker, taken, write, giveUpAt);
                }
                if (answer != NOT_MINE) {
                    return answer;
                }
                // The lock was gone before the action's turn (the run ended), or the write failed at once.
                pause();
                continue;
            }
            if (!mayTakeLock) {
                return NOT_MINE;
            }
            TakenLock taken = new TakenLock(giveUpAt);
            boolean claimed;
            boolean mine;
            // One decision with the claim's start (claimStarts): either the claim sees this action and waits
            // for it, or this action sees the claim and rides on its run's lock once it is granted.
            synchronized (claiming) {
                claimed = claiming.contains(worker);
                mine = !claimed && actions.putIfAbsent(worker, taken) == null;
            }
            if (claimed) {
                pause();
                continue;
            }
            if (!mine) {
                TakenLock other;
                boolean taking;
                synchronized (claiming) {
                    other = actions.get(worker);
                    taking = other != null && other.open && !other.held.isDone();
                }
                if (taking) {
                    // Another action here is taking the lock: this one rides on it once it is held.
                    HzCoordination.awaitUntil(other.held, giveUpAt);
                } else {
                    // Another action on this node holds the lock or is giving it back: this one goes after it.
                    if (other != null) {
                        HzCoordination.awaitUntil(other.givenBack, giveUpAt);
                    }
                    pause();
                }
                continue;
            }
            // Refused at once while a claim or run holds it (this node's own pending claim too): asked again.
            Boolean got = null;
            Write write = null;
            try {
                got = HzCoordination.awaitUntil(session.acquire(worker), giveUpAt);
                if (Boolean.TRUE.equals(got)) {
                    write = new Write(worker, flag, token, madeAt, id);
                    synchronized (claiming) {
                        write.queue(session);
                    }
                    taken.held.complete(null);
                    long answer = write.await(giveUpAt);
                    if (answer != NOT_MINE) {
                        return answer;
                    }
                } else if (table.holder(worker).filter(holder -> !holder.equals(nodeId)).isPresent()) {
                    // Another node runs it: that node writes the action (the caller asks every node again).
                    return BUSY;
                }
            } finally {
                // Only a lock this action asked for (granted, or still pending): false leaves nothing of it.
                if (Boolean.FALSE.equals(got)) {
                    givenBack(worker, taken);
                } else if (!releaseIfIdle(session, worker, taken, write, giveUpAt)) {
                    // Others' writes ride on it: it is given back once they are done, and this action answers now.
                    releaseWhenRidden(session, worker, taken);
                }
            }
            pause();
        }
        throw new IllegalStateException("could not " + flag.name().toLowerCase() + " worker '" + worker + "': its lock"
                + " stayed with a run or a claim on another node, or the cluster did not confirm the change in time;"
                + " check the worker's state and act again if needed");
    }

    /**
     * Gives a taken lock back if no write rides on it any more, and waits until every member heard it (or
     * another writer's release of it), so that the claim a node makes next is not refused for this lock
     * (the map's actions take none); unheard, the next renewal tells them. The taker and each rider call it
     * once their own write is done: the last one gives the lock back before it answers (waiting no later than
     * its own deadline). Returns false, leaving the lock open, while writes still ride on it.
     */
    private boolean releaseIfIdle(LocalSession session, String worker, TakenLock taken, Write own, long giveUpAt) {
        CompletableFuture<Void> release;
        boolean mine = false;
        synchronized (claiming) {
            release = taken.release;
            if (release == null) {
                CompletableFuture<?> last = lastWrite.get(worker);
                // Its own turn may not be marked done yet when the caller wakes from its write: idle all the same.
                boolean ownDone = own != null && last == own.turn && own.written.isDone();
                if (last != null && !last.isDone() && !ownDone) {
                    return false;
                }
                taken.open = false;
                release = taken.release = new CompletableFuture<>();
                mine = true;
            }
        }
        if (mine) {
            release(session, worker, taken, release);
        }
        HzCoordination.awaitUntil(release, Math.min(System.nanoTime() + releaseWait.toNanos(), giveUpAt));
        return true;
    }

    /**
     * The backstop: gives a taken lock back once the writes riding on it are done, each by its own deadline
     * (given back under one, the release would give it up, and it may still be chosen), should none of them
     * find it idle when it ends. Riders join until the taker's deadline, so this ends at most a lease after it.
     */
    private void releaseWhenRidden(LocalSession session, String worker, TakenLock taken) {
        CompletableFuture<?> last;
        long until;
        CompletableFuture<Void> release = null;
        synchronized (claiming) {
            if (taken.release != null) {
                return;
            }
            last = lastWrite.get(worker);
            until = taken.drainBy;
            if (last == null || last.isDone() || System.nanoTime() >= until) {
                taken.open = false;
                release = taken.release = new CompletableFuture<>();
            }
        }
        if (release != null) {
            release(session, worker, taken, release);
            return;
        }
        last.handle((v, e) -> null)
                .completeOnTimeout(null, Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS)
                .thenRun(() -> releaseWhenRidden(session, worker, taken));
    }

    /**
     * Gives the lock back (once: the caller set {@code done} as {@code taken.release}), then lets the next action
     * or claim here go and completes {@code done}.
     */
    private void release(LocalSession session, String worker, TakenLock taken, CompletableFuture<Void> done) {
        session.release(worker, false).handle((v, e) -> null)
                .completeOnTimeout(null, releaseWait.toNanos(), TimeUnit.NANOSECONDS)
                .thenRun(() -> {
                    givenBack(worker, taken);
                    done.complete(null);
                });
    }

    private void givenBack(String worker, TakenLock taken) {
        actions.remove(worker, taken);
        taken.held.complete(null);
        taken.givenBack.complete(null);
    }

    /** A lock an action on this node took for itself; its fields are guarded by {@code claiming}. */
    private static final class TakenLock {
        final CompletableFuture<Void> givenBack = new CompletableFuture<>();
        /** Done once the lock is held and the taker's write queued (or it was not had): riders may queue. */
        final CompletableFuture<Void> held = new CompletableFuture<>();
        /** Whether other actions here may ride on it: until it is given back, or a claim here waits. */
        boolean open = true;
        /** Riders join until then: the taker's deadline. */
        final long openUntil;
        /** The latest deadline of the writes on it: it is given back once they are done, or then. */
        long drainBy;
        /** Set once, by whoever gives the lock back: done when every member heard it (or after the wait). */
        CompletableFuture<Void> release;

        TakenLock(long giveUpAt) {
            this.openUntil = giveUpAt;
            this.drainBy = giveUpAt;
        }
    }

    /** An action written under the lock this session holds, queued in turn with the worker's other writes. */
    private final class Write {
        private final String worker;
        private final ClaimRules.Flag flag;
        private final long token;
        private final long madeAt;
        private final long id;
        private final AtomicLong above = new AtomicLong();
        private final AtomicBoolean started = new AtomicBoolean();
        private final CompletableFuture<Void> go = new CompletableFuture<>();
        private CompletableFuture<SlotState> written;
        /** Its turn in the worker's writes here (this node's last write of the worker once it is queued). */
        private CompletableFuture<?> turn;

        Write(String worker, ClaimRules.Flag flag, long token, long madeAt, long id) {
            this.worker = worker;
            this.flag = flag;
            this.token = token;
            this.madeAt = madeAt;
            this.id = id;
        }

        /** Takes the write's turn; called under {@code claiming}, and started by {@link #await} outside it. */
        void queue(LocalSession session) {
            // Nobody answers a write without the lock (a run that ended before the action's turn): not started.
            written = inTurn(worker, () -> go.thenCompose(x -> session.writeRegisterHeld(worker, base -> {
                started.set(true);
                ClaimRules.Flagged flagged = ClaimRules.flag(base == null ? SlotState.empty(worker) : base, flag,
                        token, madeAt, id);
                above.set(flagged.above());
                return flagged.above() == 0 ? flagged.state() : null;
            })));
            turn = lastWrite.get(worker);
        }

        /**
         * 0 once written, the token to go above, NOT_MINE if the lock was gone before the write started, or
         * MAYBE if it was started and given up (its lock lost or released meanwhile, or not chosen in time).
         */
        long await(long giveUpAt) {
            go.complete(null);
            if (HzCoordination.awaitUntil(written, giveUpAt) != null) {
                return 0;
            }
            if (above.get() != 0) {
                return above.get();
            }
            return started.get() ? MAYBE : NOT_MINE;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making an operator action", e);
        }
    }

    /**
     * Marks a claim of the worker on this node from before its lock is asked for until the claim is
     * decided: actions here wait for it rather than take the lock from under it (a slot would be lost).
     */
    void claimStarts(String worker) {
        synchronized (claiming) {
            claiming.add(worker);
            // A lock an action took takes no more riders: the claim waits only for the writes on it.
            TakenLock taken = actions.get(worker);
            if (taken != null) {
                taken.open = false;
            }
        }
    }

    void claimEnds(String worker) {
        claiming.remove(worker);
    }

    /** Waits (until {@code untilNanos}) for an action on this node that took the worker's lock, if one did. */
    void awaitAction(String worker, long untilNanos) {
        TakenLock action = actions.get(worker);
        if (action != null) {
            HzCoordination.awaitUntil(action.givenBack, untilNanos);
        }
    }

    /** Starts {@code write} once this node's last write of the worker is done. */
    private <T> CompletableFuture<T> inTurn(String worker, Supplier<CompletableFuture<T>> write) {
        return inTurn(worker, write, null);
    }

    /**
     * Starts {@code write} once this node's last write of the worker is done; the next one starts once it is
     * done and, if given, {@code hold} is too (an end holds the next write until its lock is given back, so
     * that an action queued behind the end does not start a write that the release then gives up).
     */
    private <T> CompletableFuture<T> inTurn(String worker, Supplier<CompletableFuture<T>> write,
                                            CompletableFuture<?> hold) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<Object> done = result.handle((v, e) -> null);
        CompletableFuture<Object> turnOver = hold == null ? done : done.thenCompose(x -> hold.handle((v, e) -> null));
        AtomicReference<CompletableFuture<?>> before = new AtomicReference<>();
        lastWrite.compute(worker, (w, last) -> {
            before.set(last);
            return turnOver;
        });
        turnOver.whenComplete((v, e) -> lastWrite.remove(worker, turnOver));
        // Started outside the map's compute: a write takes the session's lock.
        CompletableFuture<?> prior = before.get() == null ? CompletableFuture.completedFuture(null) : before.get();
        prior.handle((v, e) -> null).thenCompose(x -> write.get()).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(v);
            }
        });
        return result;
    }

    /**
     * The record as this member's register holds it: the later of the value it knows chosen and the last
     * it accepted. A value a majority accepted is read on each of them before its writer learns it chosen,
     * so that a claim granted on one node shows on the others at once; an accepted value that is never
     * chosen shows until the next write replaces it, as a map entry whose caller never heard back does.
     */
    Optional<SlotState> read(String worker) {
        RegisterState<SlotState> state = registers.state(worker);
        Accepted<SlotState> newest = state.accepted() != null && state.accepted().isAfter(state.chosen())
                ? state.accepted() : state.chosen();
        return Optional.ofNullable(newest).map(Accepted::value);
    }
}
