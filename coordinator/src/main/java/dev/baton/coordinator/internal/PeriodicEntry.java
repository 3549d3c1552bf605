package dev.baton.coordinator.internal;

import dev.baton.coordinator.TaskScheduler.Cancellable;
import dev.baton.worker.CrashPolicy;
import dev.baton.worker.FixedDelay;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Outcome;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.RunKind;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.WorkerInfo.WorkerState;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One periodic worker on this node. It holds the worker's next slot and runs one cycle at a time
 * on a virtual thread: planning, a regular slot, a triggered run or a re-run. A wake-up, trigger
 * or orphan event that arrives during a cycle is remembered and handled when the cycle ends, so
 * one node never overlaps two executions of a worker.
 */
final class PeriodicEntry {

    private static final Logger log = LoggerFactory.getLogger(PeriodicEntry.class);
    private static final int MAX_RETRY_ATTEMPTS = 30;
    /**
     * How long at most between a trigger's claims once the quick retries are spent: the record still asks
     * for the run, and the lock is held by a run elsewhere (one of minutes, an overrun at a hand-over).
     */
    private static final Duration MAX_TRIGGER_RETRY = Duration.ofSeconds(30);
    private static final Duration MAX_RETRY_POLL = Duration.ofSeconds(2);
    /** How soon a node that did not run a fixed-delay worker due at once looks again. */
    private static final Duration NOT_RUN_LOOK = Duration.ofSeconds(1);
    /** How many times in a row a fixed-delay run due now is claimed again at once after a refusal. */
    private static final int QUICK_CLAIMS = 2;

    private final Engine engine;
    private final PeriodicBackgroundWorker worker;
    private final String threadName;

    // Guarded by this.
    private Plan plan;
    private Cancellable wakeUp;
    private boolean active;
    private boolean busy;
    /** Stopped for good (removed, or its manager closes): a late {@link #start} starts nothing. */
    private boolean stopped;
    private boolean duePending;
    private boolean triggerPending;
    /**
     * A trigger reached this node while it stood by: its preferred node claims it, unless that node goes
     * before it does; if this node becomes the one to claim, it does.
     */
    private boolean triggerHeardAsStandby;
    /** The next claim of a trigger refused while the record asks for it: one at a time, however many triggers came. */
    private Cancellable triggerRetry;
    private boolean rerunPending;
    /** The nodes changed while a cycle ran: look again once it ends (it may have just passed a slot as standby). */
    private boolean rebalancePending;
    private Execution running;
    /** The run of a slot claimed ahead of its instant, registered and waiting for it; only the cycle touches it. */
    private Prepared claimedAhead;
    /** The wait of a cycle woken ahead of its slot for the slot's instant, if it waits. */
    private volatile CountDownLatch instantWait;
    /** The slot the current regular cycle woke ahead of, if it did; only the cycle touches it. */
    private Instant wokenAheadOf;
    /** How early a wake-up at an instant may come, on this clock, before it is waited out. */
    private static final Duration AT_MOST_EARLY = Duration.ofMillis(50);
    private boolean paused;
    /** Pause states learned so far: a run's record is no news over one learned while the run went on. */
    private long pauseChanges;
    /** The highest pause token learned (events and records): an event of an action older than it is stale. */
    private long pauseToken;
    /** When the action behind {@link #pauseToken} was made at the latest: as its record or event says, else when learned. */
    private Instant pauseTokenLearnedAt = Instant.MIN;
    /** Refused claims in a row of a fixed-delay run due now, each made again at once (worker's cycles only). */
    private int quickClaims;
    /** The deferred slot this node last reported as passed, and the slot whose run it reported it with. */
    private Instant reportedPassed;
    private Instant reportedPassedWith;
    /**
     * When the worker was last resumed (as the action's record or event says, else when this node
     * learned it): a standby whose cycle of a slot that fell during the pause ran late (a loaded
     * node) must not take that slot up after the resume.
     */
    private Instant resumedAt = Instant.MIN;
    private Instant passedSlot;
    /** The token of a record last seen ahead of this node's clock, and since when. */
    private long aheadFence;
    private Instant aheadFinished;
    private long aheadPause;
    /** When the record was first seen ahead as it is, on the scheduler's monotonic clock; null: not timing. */
    private Long aheadSince;
    /** Until then this standby looks after the grace at each slot, as while the balance settles (see {@link #onWatch}). */
    private Instant lookUntil;
    /**
     * The oldest slot passed as a standby since the watch last looked: the watch checks it once the
     * grace and this node's lateness have passed. The latest passed slot moves on every period, so
     * under load a check of it could wait for ever; a run since the oldest one shows the worker alive.
     */
    private Instant watchSlot;
    /** When the watch last read this worker's record: it reads it at most once per {@code every}. */
    private Instant watchedAt = Instant.MIN;
    /** When the plan's wake-up was armed for: fixed then, though the look grace moves with load. */
    private Instant planWake;
    /** When the last cycle ended: a slot claimed after it (the run before overran) is late by that run, not by load. */
    private Instant lastCycleEnd = Instant.MIN;
    /** From the claim to the end of this node's last execution: the lock was this node's then. */
    private Instant heldFrom = Instant.MAX;
    private Instant heldUntil = Instant.MIN;
    private int rerunAttempts;
    private int triggerAttempts;
    /** Re-runs in a row that did not finish either: past a few, the slot is left to the regular plan. */
    private int unfinishedReruns;
    private static final int MAX_UNFINISHED_RERUNS = 3;
    private Outcome lastOutcome;
    private long executions;
    private long failuresInARow;

    PeriodicEntry(Engine engine, PeriodicBackgroundWorker worker) {
        this.engine = engine;
        this.worker = worker;
        this.threadName = "baton-" + worker.name();
    }

    String name() {
        return worker.name();
    }

    void start() {
        synchronized (this) {
            if (active || stopped) {
                return;
            }
            active = true;
            busy = true;
        }
        engine.scheduler().dispatch(threadName, () -> cycle(this::planInitial));
    }

    /** No new cycles; a running execution finishes (or is interrupted by {@link #interrupt}). */
    synchronized void stop() {
        active = false;
        stopped = true;
        CountDownLatch waiting = instantWait;
        if (waiting != null && running == null) {
            // Woken ahead with nothing claimed: nothing to wait for. A slot claimed ahead is this node's run.
            waiting.countDown();
        }
        if (wakeUp != null) {
            wakeUp.cancel();
        }
        if (triggerRetry != null) {
            // A scheduler the application passed in outlives the manager: leave nothing queued there.
            triggerRetry.cancel();
        }
    }

    /**
     * Waits until no cycle runs here, at most until {@code deadline} ({@link System#nanoTime}): a claim
     * answered after {@link #stop} gives its lease back, so the coordination must not close before.
     * An execution still running (one that ignored its interrupt) is not waited for again.
     *
     * @return whether the entry is idle
     */
    synchronized boolean awaitIdle(long deadline) throws InterruptedException {
        while (busy && running == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    synchronized boolean idle() {
        return !busy;
    }

    void interrupt(Outcome cause) {
        Execution e;
        synchronized (this) {
            e = running;
        }
        if (e != null) {
            e.stop(cause);
            CountDownLatch waiting = instantWait;
            if (waiting != null) {
                // A run claimed ahead of its instant and stopped: it is reported not started, now.
                waiting.countDown();
            }
        }
    }

    void onTriggered() {
        synchronized (this) {
            triggerAttempts = 0;
        }
        startCycle(() -> triggerPending = true, this::triggerCycle);
    }

    /** A run of this worker ended without finishing its slot somewhere: re-run it, or move past it. */
    void onOrphaned() {
        if (worker.options().onCrash() == CrashPolicy.SKIP) {
            if (worker.schedule() instanceof FixedDelay) {
                // The chain of a fixed-delay worker waits for the run to end: go past the crashed one now.
                startCycle(() -> duePending = true, this::takeOverCycle);
            }
            return;
        }
        synchronized (this) {
            if (unfinishedReruns >= MAX_UNFINISHED_RERUNS) {
                log.warn("Worker {}: {} re-runs in a row did not finish either; leaving the slot to the next one",
                        worker.name(), unfinishedReruns);
                unfinishedReruns = 0;
                return;
            }
            rerunAttempts = 0;
        }
        startCycle(() -> rerunPending = true, this::rerunCycle);
    }

    /**
     * The set of nodes changed. If this node passed the latest slot as a standby and is now
     * preferred (its predecessor died or left), it runs that slot now, late, unless someone did; and
     * a trigger it heard as a standby, unless someone ran it.
     */
    void onRebalanced() {
        Instant passed;
        boolean trigger;
        synchronized (this) {
            if (active && busy) {
                rebalancePending = true;
                return;
            }
            if (!active) {
                return;
            }
            passed = worker.schedule() instanceof FixedDelay ? null : passedSlot;
            trigger = triggerHeardAsStandby;
        }
        if ((passed == null && !trigger) || engine.coordination().role(worker.name()) == ClaimRole.STANDBY) {
            return;
        }
        // Only the current slot is caught up; once the next one is due, the regular plan runs that.
        if (passed != null && worker.schedule().nextAfter(passed).map(next -> next.isAfter(engine.now())).orElse(false)) {
            startCycle(() -> { }, () -> catchUp(passed));
        }
        if (trigger) {
            synchronized (this) {
                triggerHeardAsStandby = false;
                triggerAttempts = 0;
            }
            // After the catch-up, if one started: the claim finds whether the record still asks for the run.
            startCycle(() -> triggerPending = true, this::triggerCycle);
        }
    }

    /**
     * Whether a slot this node passed as a standby should be checked against the record now; at most
     * once per {@code every}, a read of every standby worker's record at each tick costing more than
     * the rare disagreement it guards against.
     */
    synchronized boolean passedAsStandby(Duration every) {
        Instant now = engine.now();
        return active && !busy && !paused && watchSlot != null && !(worker.schedule() instanceof FixedDelay)
                && !now.isBefore(watchedAt.plus(every))
                && now.isAfter(watchSlot.plus(engine.coordination().stepInGrace()).plus(engine.lookGrace()));
    }

    /**
     * The watch found the record of a slot this node passed as a standby: if nobody ran it, the
     * nodes disagree on who prefers the worker (or its node went quiet unnoticed), and every one of
     * them may be standing by. This node then looks after the grace at its next slots, as while the
     * balance settles, and runs the passed slot late if it is still the current one. The record
     * keeps it once per slot whoever else does the same.
     */
    void onWatch(Optional<WorkerRecord> record, Duration lookFor) {
        Instant passed;
        Instant latest;
        synchronized (this) {
            if (!active || busy || watchSlot == null) {
                return;
            }
            passed = watchSlot;
            latest = passedSlot;
        }
        if (record.map(r -> !r.running() && r.lastSlot().map(this::writtenAhead).orElse(false) && !leftAhead(r))
                .orElse(false)) {
            // Ahead of this node's clock: the next tick tells whether anybody still claims by it.
            return;
        }
        if (ranSince(record, passed)) {
            synchronized (this) {
                // Alive up to the oldest slot; the latest, if newer and not shown run, is checked next
                // tick: a node that ran the first and died since must not put the check off further.
                boolean latestOpen = latest != null && latest.isAfter(passed) && !ranSince(record, latest);
                if (passed.equals(watchSlot)) {
                    watchSlot = latestOpen ? latest : null;
                }
                if (!latestOpen) {
                    watchedAt = engine.now();
                }
            }
            return;
        }
        synchronized (this) {
            if (passed.equals(watchSlot)) {
                watchSlot = null;
            }
            watchedAt = engine.now();
        }
        Instant now = engine.now();
        synchronized (this) {
            if (lookUntil == null || lookUntil.isBefore(now)) {
                log.info("Worker {}: no node ran slot {}; this node looks for unclaimed slots for a while",
                        worker.name(), passed);
            }
            lookUntil = now.plus(lookFor);
        }
        // Nobody ran since the oldest slot checked, so nobody ran the latest either: that one may still be current.
        Instant slot = latest != null && latest.isAfter(passed) ? latest : passed;
        boolean current = worker.schedule().nextAfter(slot).map(next -> next.isAfter(now)).orElse(false);
        if (current) {
            startCycle(() -> { }, () -> catchUp(slot));
        }
    }

    /**
     * Run since {@code slot}, or running, or claimed for it or later (a slot skipped by its misfire
     * policy is no slot lost). A record left minutes ahead shows no run since (see {@link #leftAhead}).
     */
    private boolean ranSince(Optional<WorkerRecord> record, Instant slot) {
        return record.map(r -> r.running() || !leftAhead(r)
                && (r.lastFinishedAt().map(at -> at.isAfter(slot)).orElse(false)
                || r.lastSlot().map(last -> !last.isBefore(slot)).orElse(false))).orElse(false);
    }

    /** Whether {@code slot} lies more than a period ahead of this node's cluster clock. */
    private boolean writtenAhead(Instant slot) {
        return worker.schedule().nextAfter(engine.now())
                .map(next -> slot.isAfter(next.plus(SlotPlanner.MISFIRE_THRESHOLD))).orElse(false);
    }

    /**
     * Whether the record's last slot lies ahead of this node's clock and nobody has claimed since
     * for two periods and the grace (on this node's clock; a step back starts the wait again): it
     * was written while the cluster clock was ahead, and nobody runs by it now. A record ahead of
     * the clock alone proves nothing: this node's estimate of the cluster clock may lag for a moment
     * (the clock stepped forward), and the preferred node claims every period on the right one.
     */
    private boolean leftAhead(WorkerRecord r) {
        // A run in progress holds the token still however long it takes: the wait starts when it has ended.
        if (r.running()) {
            synchronized (this) {
                aheadSince = null;
            }
            return false;
        }
        if (!r.lastSlot().map(this::writtenAhead).orElse(false)) {
            return false;
        }
        Instant clock = engine.now();
        Duration period = worker.schedule().nextAfter(clock).map(this::gapAfter).orElse(Duration.ZERO);
        Duration wait = period.multipliedBy(2).plus(engine.lookGrace());
        synchronized (this) {
            if (paused || r.paused()) {
                // A pause holds the token still as well: nothing is proven while it lasts (the record
                // tells a node that missed the pause event).
                aheadSince = null;
                return false;
            }
            Instant finished = r.lastFinishedAt().orElse(null);
            // A pause and resume since the last look (heard of or not) change only the pause token.
            long nanos = engine.scheduler().nanoTime();
            if (aheadFence != r.fencingToken() || !Objects.equals(aheadFinished, finished)
                    || aheadPause != r.pauseToken() || aheadSince == null) {
                aheadFence = r.fencingToken();
                aheadFinished = finished;
                aheadPause = r.pauseToken();
                aheadSince = nanos;
                return false;
            }
            // Timed on the monotonic clock: a lagging estimate that catches up part of the way proves nothing.
            return nanos - aheadSince >= wait.toNanos();
        }
    }

    private Duration gapAfter(Instant slot) {
        return worker.schedule().nextAfter(slot).map(next -> Duration.between(slot, next)).orElse(Duration.ZERO);
    }

    private synchronized boolean fellBeforeResume(Instant slot) {
        return slot.isBefore(resumedAt());
    }

    /**
     * The last resume, on this node's cluster clock; none while the clock lies behind it (it was
     * stamped while the clock was ahead): every slot of the clock as it is now came after it. Kept,
     * not dropped, so that a clock that steps back for a moment and forward again has it back.
     */
    private synchronized Instant resumedAt() {
        return resumedAt.isAfter(engine.now().plus(SlotPlanner.MISFIRE_THRESHOLD)) ? Instant.MIN : resumedAt;
    }

    private synchronized boolean lookingOut() {
        return lookUntil != null && engine.now().isBefore(lookUntil);
    }

    private synchronized void rememberPassed(Instant slot) {
        boolean whilePaused = paused || fellBeforeResume(slot);
        passedSlot = whilePaused ? null : slot;
        if (!whilePaused && watchSlot == null) {
            watchSlot = slot;
        }
    }

    private Optional<Plan> catchUp(Instant passed) {
        synchronized (this) {
            passedSlot = null;
            watchSlot = null;
        }
        Optional<Lease> lease = engine.coordination().claim(scheduledClaim(passed));
        if (lease.isEmpty()) {
            lease = rebaseIfLeftAhead(Plan.at(passed));
        }
        if (lease.isPresent() && lease.get().kind() == ClaimRequest.Kind.RERUN) {
            execute(lease.get(), RunKind.CATCH_UP);
            return afterLeftBehind(lease.get(), Plan.at(passed));
        }
        if (lease.isEmpty() && engine.coordination().role(worker.name()) == ClaimRole.PREFERRED
                && heldByAnEarlierRun(passed)) {
            // Its previous node's run still holds the lock: the slot is due after it, as for a regular claim.
            return Optional.of(Plan.at(passed).retryAt(engine.now().plus(retryPoll(Plan.at(passed)))));
        }
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        log.info("Worker {}: running slot {}, which its previous node did not run", worker.name(), passed);
        reportMisfire(Plan.at(passed), lease.get());
        execute(lease.get(), RunKind.CATCH_UP);
        return SlotPlanner.after(worker.schedule(), worker.options(), passed, engine.now());
    }

    /**
     * Takes the pause state from {@code record}, read after {@code changesBefore} changes, unless an
     * event came since; {@code asEvent}: as if told by an event (a resume learned from a run's record
     * is not one: its time says nothing about which slots fell during the pause).
     */
    private synchronized boolean learnPause(WorkerRecord record, long changesBefore, boolean asEvent) {
        if (pauseChanges != changesBefore) {
            return false;
        }
        if (asEvent) {
            changePause(record.paused(), madeBy(record.pauseChangedAt()));
        } else {
            paused = record.paused();
        }
        // Dated by the action where the record says when it was made, not by this read: a read long after
        // it (the first at start, a long run's record) would take the slots since the action for the pause's.
        raisePauseToken(record.pauseToken(), madeBy(record.pauseChangedAt()));
        return true;
    }

    /**
     * As {@link #learnPause}; if an event came since {@code record} was read, newer or older than it,
     * a read after the event settles it (not as an event: a stale pause event it undoes is no resume now).
     */
    private void settlePause(WorkerRecord record, long changesBefore, boolean asEvent) {
        if (!learnPause(record, changesBefore, asEvent)) {
            learnPauseFromARead();
        }
    }

    private void learnPauseFromARead() {
        long changesBefore;
        synchronized (this) {
            changesBefore = pauseChanges;
        }
        try {
            engine.coordination().read(worker.name()).ifPresent(r -> learnPause(r, changesBefore, false));
        } catch (RuntimeException e) {
            log.debug("Worker {}: its record cannot be read; its pause state stays as the last event told", worker.name(),
                    e);
        }
    }

    /**
     * An action with {@code token} (0: not known) paused or resumed the worker. Two operators' actions
     * made on different nodes reach this one in either order: the older's event, coming second, would
     * leave the worker shown paused (and a standby's watch off) until this node next reads the record.
     */
    synchronized void onPauseChanged(boolean nowPaused, long token, Optional<Instant> madeAt) {
        if (token != 0 && token < pauseToken) {
            log.debug("Worker {}: the event of a {} older than what this node knows", worker.name(),
                    nowPaused ? "pause" : "resume");
            if (nowPaused && !paused) {
                pauseHeardAfterItsEnd();
            }
            return;
        }
        Instant madeBy = madeBy(madeAt);
        raisePauseToken(token, madeBy);
        changePause(nowPaused, madeBy);
    }

    /**
     * A pause this node hears of after a later action ended it (that action's event came first, or
     * a record told it): the slots that fell during it are still none to catch up, and it ended no
     * later than the later action was made; slots since then are the resumed worker's.
     */
    private void pauseHeardAfterItsEnd() {
        Instant endedBy = pauseTokenLearnedAt;
        pauseChanges++;
        aheadSince = null;
        if (endedBy.isAfter(resumedAt)) {
            resumedAt = endedBy;
        }
        if (passedSlot != null && passedSlot.isBefore(endedBy)) {
            passedSlot = null;
        }
        if (watchSlot != null && watchSlot.isBefore(endedBy)) {
            watchSlot = null;
        }
    }

    /** When an action was made at the latest: as its record or event says, never after now. */
    private Instant madeBy(Optional<Instant> madeAt) {
        Instant now = engine.now();
        return madeAt.filter(now::isAfter).orElse(now);
    }

    private void raisePauseToken(long token, Instant madeBy) {
        if (token > pauseToken) {
            pauseToken = token;
            pauseTokenLearnedAt = madeBy;
        }
    }

    /** Pauses or resumes by an action made at {@code madeBy} at the latest (its events may arrive long after). */
    private void changePause(boolean nowPaused, Instant madeBy) {
        pauseChanges++;
        // A record read before the pause and judged after the resume shows neither; the event restarts the wait.
        aheadSince = null;
        if (paused && !nowPaused && madeBy.isAfter(resumedAt)) {
            // Slots that fell after the resume and before this node heard of it are the resumed worker's.
            resumedAt = madeBy;
        }
        paused = nowPaused;
        if (nowPaused) {
            // A slot passed while paused is no slot to catch up after the resume.
            passedSlot = null;
            watchSlot = null;
            lookUntil = null;
        }
    }

    synchronized WorkerInfo info() {
        WorkerState state = !active ? WorkerState.STOPPED : running != null ? WorkerState.RUNNING
                : paused ? WorkerState.PAUSED : WorkerState.IDLE;
        Optional<Instant> next = plan == null || plan.provisional() ? Optional.empty() : Optional.of(plan.slot());
        return new WorkerInfo(worker.name(), Optional.of(worker.schedule()), state, next, Optional.ofNullable(lastOutcome),
                executions, failuresInARow);
    }

    /** Runs {@code body} as a cycle now, or remembers it with {@code remember} if a cycle is running. */
    private void startCycle(Runnable remember, Supplier<Optional<Plan>> body) {
        synchronized (this) {
            if (!active) {
                return;
            }
            if (busy) {
                remember.run();
                return;
            }
            busy = true;
        }
        engine.scheduler().dispatch(threadName, () -> cycle(body));
    }

    private void onWake(Plan due) {
        Instant now = engine.now();
        Duration lead = claimsAhead(due) ? engine.claimAhead() : Duration.ZERO;
        if (!due.provisional() && due.slot().isAfter(now.plus(SlotPlanner.MISFIRE_THRESHOLD).plus(lead))) {
            // The cluster clock moved back under the plan: plan again from the clock as it is now.
            replan(due, now);
            return;
        }
        synchronized (this) {
            if (!active || due != plan) {
                return;
            }
            if (busy) {
                duePending = true;
                return;
            }
            busy = true;
        }
        engine.scheduler().dispatch(threadName, () -> cycle(() -> regularCycle(due)));
    }

    private void replan(Plan due, Instant now) {
        Optional<Plan> fresh = worker.schedule() instanceof FixedDelay delay
                ? Optional.of(SlotPlanner.fromRecord(delay, worker.options(), readRecord(), now, now))
                : worker.schedule().nextAfter(now.minusMillis(1)).map(Plan::at);
        synchronized (this) {
            if (!active || due != plan) {
                return;
            }
            log.info("Worker {}: the cluster clock moved back; slot {} is planned again as {}", worker.name(),
                    due.slot(), fresh.map(Plan::slot).orElse(null));
            fresh.ifPresent(this::arm);
        }
    }

    /** Runs one cycle; whatever it returns becomes the next regular plan. Never lets an error escape. */
    private void cycle(Supplier<Optional<Plan>> body) {
        Optional<Plan> next;
        wokenAheadOf = null;
        try {
            next = body.get();
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.error("Worker {}: unexpected error in Baton's scheduling; trying again at the next slot", worker.name(), t);
            abandonAhead();
            next = fallbackPlan();
        }
        endCycle(next);
    }

    private void endCycle(Optional<Plan> next) {
        Supplier<Optional<Plan>> followUp = null;
        boolean lookAgain = false;
        synchronized (this) {
            busy = false;
            notifyAll();
            lastCycleEnd = engine.now();
            if (!active) {
                return;
            }
            next.ifPresent(this::arm);
            if (plan == null) {
                log.info("Worker {}: its schedule {} never fires again", worker.name(), worker.schedule().describe());
            }
            if (triggerPending) {
                triggerPending = false;
                followUp = this::triggerCycle;
            } else if (rerunPending) {
                rerunPending = false;
                followUp = this::rerunCycle;
            } else if (duePending) {
                duePending = false;
                Plan due = plan;
                // A wake-up that came during the cycle belongs to the plan of then; the plan the cycle
                // just armed wakes on its own, and is not run before its time.
                if (due != null && !planWake.isAfter(engine.now())) {
                    // It waited behind this node's other cycle (a trigger, a re-run, a catch-up): weigh how late it is;
                    // a wake-up ahead of a slot still to come is no wait.
                    Plan waited = due.stepIn() || due.provisional() || worker.schedule() instanceof FixedDelay
                            || claimsAhead(due) ? due : due.retryAt(engine.now());
                    followUp = () -> regularCycle(waited);
                }
            }
            if (followUp != null) {
                busy = true;
            } else if (rebalancePending) {
                rebalancePending = false;
                lookAgain = true;
            }
        }
        if (followUp != null) {
            Supplier<Optional<Plan>> body = followUp;
            engine.scheduler().dispatch(threadName, () -> cycle(body));
        } else if (lookAgain) {
            onRebalanced();
        }
    }

    private void arm(Plan next) {
        if (wakeUp != null) {
            wakeUp.cancel();
        }
        plan = next;
        planWake = next.wakeAt(engine.lookGrace());
        if (claimsAhead(next)) {
            planWake = planWake.minus(engine.claimAhead());
        }
        wakeUp = engine.scheduler().schedule(planWake, () -> onWake(next));
    }

    private Optional<Plan> planInitial() {
        long pauseChangesBefore;
        synchronized (this) {
            pauseChangesBefore = pauseChanges;
        }
        Optional<WorkerRecord> record;
        try {
            record = engine.coordination().read(worker.name());
        } catch (RuntimeException e) {
            // Normal while a node waits for a quorum: the claim checks the record anyway.
            log.debug("Worker {}: its record cannot be read yet; planning from the schedule alone", worker.name(), e);
            record = Optional.empty();
        }
        record.ifPresent(r -> settlePause(r, pauseChangesBefore, true));
        record.filter(WorkerRecord::triggerPending).ifPresent(r -> rememberTrigger());
        return SlotPlanner.initial(worker.schedule(), worker.options(), record, engine.now());
    }

    private Optional<Plan> regularCycle(Plan due) {
        boolean ahead = claimsAhead(due);
        wokenAheadOf = ahead ? due.slot() : null;
        if (ahead && (engine.coordination().role(worker.name()) != ClaimRole.PREFERRED || isPaused())) {
            // Woken to claim ahead, but another node prefers the worker now, or it is paused here (a resume
            // may come before the instant): everything else happens when the slot falls.
            ahead = false;
            if (!awaitInstant(due.slot())) {
                return Optional.empty();
            }
            if (engine.now().isBefore(due.slot())) {
                return plannedAgain(due);
            }
        }
        ClaimRole role = engine.coordination().role(worker.name());
        boolean waited = due.retry().isPresent();
        if (waited) {
            Optional<Plan> fresh = afterWaiting(due);
            if (fresh.isEmpty() || fresh.get().slot().isAfter(engine.now())) {
                return fresh;
            }
            // Still the same slot: a node that was looking after the grace still is. It claims again
            // rather than only reading: a dead holder's run reads as running until a claim takes it over.
            due = due.stepIn() && fresh.get().slot().equals(due.slot()) ? fresh.get().afterGrace() : fresh.get();
        }
        // This node's own run held the lock when the slot fell, so any other node's claim of it was
        // refused. The preferred node looks again once the run ends (see below); if it did not (it
        // left, or there is none), the slot is this node's to run late, as after an overrun on one node.
        boolean overran = !(worker.schedule() instanceof FixedDelay) && heldAt(due.slot());
        if (role == ClaimRole.STANDBY && overran) {
            if (!due.stepIn()) {
                // After the preferred node's next look (see retryPoll), so that it goes first.
                Duration wait = engine.lookGrace().plus(retryPoll(due));
                return Optional.of(due.afterGrace().retryAt(engine.now().plus(wait)));
            }
            if (claimedSince(due.slot())) {
                rememberPassed(due.slot());
                return notRunHere(due);
            }
        } else if (role == ClaimRole.STANDBY && !(worker.schedule() instanceof FixedDelay)) {
            // Right after members changed, nodes may disagree on who prefers the worker and all stand by.
            if (!due.stepIn() && (engine.coordination().balanceSettling() || lookingOut())) {
                return Optional.of(due.afterGrace());
            }
            if (!due.stepIn() || claimedSince(due.slot())) {
                rememberPassed(due.slot());
                return notRunHere(due);
            }
        } else if (role == ClaimRole.STANDBY) {
            rememberPassed(due.slot());
            return notRunHere(due);
        }
        if (role != ClaimRole.PREFERRED && !(worker.schedule() instanceof FixedDelay) && fellBeforeResume(due.slot())) {
            // Its preferred node skipped it as paused: standing in for that node, skip it too.
            return notRunHere(due);
        }
        if (role == ClaimRole.STEP_IN && !due.stepIn() && !overran) {
            return Optional.of(due.afterGrace());
        }
        if (due.provisional()) {
            Optional<WorkerRecord> record = readRecord();
            long watched = due.watchedFence();
            if (watched != 0 && record.map(r -> r.running() && r.fencingToken() == watched).orElse(false)) {
                // Still running since the last look: if its holder's lock is gone, the run is over.
                takeOver(record.get());
                record = readRecord();
            }
            Plan current = SlotPlanner.fromRecord(delay(), worker.options(), record, engine.now(), engine.now());
            if (current.provisional() || current.slot().isAfter(engine.now())) {
                return Optional.of(current);
            }
            due = current;
        }
        ClaimRequest request = worker.schedule() instanceof FixedDelay
                ? ClaimRequest.chained(worker.name(), due.slot(), due.expectedLastSlot())
                : scheduledClaim(due.slot());
        Optional<Lease> lease = Optional.empty();
        if (ahead) {
            if (role == ClaimRole.PREFERRED) {
                lease = engine.coordination().claim(request);
                if (lease.isPresent() && !prepareAhead(lease.get())) {
                    return Optional.empty();
                }
            }
            if (!awaitInstant(due.slot()) && lease.isEmpty()) {
                return Optional.empty();
            }
            if (lease.isEmpty() && engine.now().isBefore(due.slot())) {
                return plannedAgain(due);
            }
        }
        if (lease.isEmpty()) {
            lease = engine.coordination().claim(request);
        }
        if (lease.isPresent()) {
            quickClaims = 0;
        }
        // A slot caught up after a pause or a misfire is late by choice, not by load.
        if (!due.stepIn() && due.misfire().isEmpty() && !waited) {
            Instant since;
            synchronized (this) {
                since = lastCycleEnd.isAfter(due.slot()) ? lastCycleEnd : due.slot();
            }
            engine.lateness().record(since, engine.now());
        }
        if (lease.isEmpty() && due.stepIn() && role != ClaimRole.PREFERRED && !request.chained()) {
            lease = lookAgain(request, due);
        }
        if (lease.isEmpty() && !request.chained()) {
            lease = rebaseIfLeftAhead(due);
        }
        if (lease.isEmpty() && !request.chained() && role == ClaimRole.PREFERRED && heldByAnEarlierRun(due.slot())) {
            // Another node's run (an overrun, a trigger, a re-run) holds the lock: the slot is due after it.
            return Optional.of(due.retryAt(engine.now().plus(retryPoll(due))));
        }
        if (lease.isEmpty()) {
            if (!isPaused()) {
                engine.listeners().claimLost(worker.name(), due.slot());
            }
            return notRunHere(due);
        }
        if (lease.get().kind() == ClaimRequest.Kind.RERUN) {
            execute(lease.get(), RunKind.SCHEDULED);
            return afterLeftBehind(lease.get(), due);
        }
        // Only the node that runs the late slot reports the misfire: the others only saw it pass.
        reportMisfire(due, lease.get());
        Optional<Execution.Finished> finished = execute(lease.get(), RunKind.SCHEDULED);
        Instant now = engine.now();
        if (worker.schedule() instanceof FixedDelay delay) {
            Instant completion = finished.flatMap(f -> f.record()).flatMap(WorkerRecord::lastFinishedAt).orElse(now);
            return Optional.of(SlotPlanner.afterDelay(delay, worker.options(), lease.get().slot(), completion, now,
                    completion));
        }
        return SlotPlanner.after(worker.schedule(), worker.options(), due.slot(), now);
    }

    /**
     * After a lost claim: a rebase if the record lies ahead and this node prefers the worker or has
     * seen nobody claim by the record for long enough ({@link #leftAhead}); a standby's clock may lag
     * for a moment, and the record be the preferred node's correct one. One read both proves it and
     * names the token the rebase may replace.
     */
    private Optional<Lease> rebaseIfLeftAhead(Plan due) {
        Optional<WorkerRecord> record = readRecord();
        if (engine.coordination().role(worker.name()) == ClaimRole.PREFERRED
                || record.map(this::leftAhead).orElse(false)) {
            return rebaseIfAhead(due, record);
        }
        return Optional.empty();
    }

    /**
     * The claim lost because the record's last slot lies ahead of this node's clock by more than a
     * period: a clock that was ahead wrote it. Claim the slot anyway, once, as a rebase of the
     * record as read: one written since (by a node whose clock is right) is left alone.
     */
    private Optional<Lease> rebaseIfAhead(Plan due, Optional<WorkerRecord> record) {
        Optional<Instant> last = record.flatMap(WorkerRecord::lastSlot);
        if (last.isEmpty() || !writtenAhead(last.get()) || !due.slot().isBefore(last.get())) {
            return Optional.empty();
        }
        WorkerRecord judged = record.get();
        Optional<Lease> lease = engine.coordination().claim(ClaimRequest.rebased(worker.name(), due.slot(),
                judged.fencingToken(), judged.pauseToken()));
        lease.ifPresent(l -> log.warn("Worker {}: its record's last slot {} lay in the future (written under a clock"
                + " that was ahead); slots continue from {}", worker.name(), last.get(), due.slot()));
        return lease;
    }

    /**
     * A fixed-delay worker whose record shows a run: if that run's holder lost its lock (it crashed
     * or was cut off), the claim wins and ends the run as crashed: re-run its slot, or go on with the
     * next one by option or once the slot was re-run as often as it may be. While the holder lives,
     * its lock refuses the claim.
     */
    private void takeOver(WorkerRecord record) {
        Instant slot = record.lastSlot().orElseThrow();
        // A triggered run is no slot: there is nothing to re-run, the chain of regular slots goes on.
        boolean triggered = record.lastKind().map(k -> k == ClaimRequest.Kind.TRIGGERED).orElse(false);
        boolean usedUp = !triggered && !record.lastSlotReRunnable();
        boolean rerun = rerunsCrashes() && !triggered && !usedUp;
        ClaimRequest request = rerun ? ClaimRequest.rerun(worker.name(), slot, record.fencingToken())
                : ClaimRequest.chained(worker.name(), engine.now(), Optional.of(slot));
        engine.coordination().claim(request).ifPresent(lease -> {
            log.info("Worker {}: the {} on {} stopped without finishing; {}", worker.name(),
                    triggered ? "triggered run" : "run of slot " + slot, record.holder().orElse("?"),
                    rerun ? "re-running it" : triggered ? "going on with the schedule"
                            : rerunsCrashes() ? "it was re-run " + record.reruns() + " times already, going on"
                            + " with the schedule" : "skipping it by option");
            execute(lease, rerun ? RunKind.RERUN : RunKind.SCHEDULED);
        });
    }

    /** After an orphaned run of a fixed-delay worker that skips crashed slots: look at the record now. */
    private Optional<Plan> takeOverCycle() {
        if (engine.coordination().role(worker.name()) == ClaimRole.STANDBY) {
            return Optional.empty();
        }
        Optional<WorkerRecord> record = readRecord();
        if (record.map(WorkerRecord::running).orElse(false)) {
            takeOver(record.get());
        }
        return Optional.of(SlotPlanner.fromRecord(delay(), worker.options(), readRecord(), engine.now(),
                engine.now()));
    }

    /**
     * Nodes that look after the grace at the same instant (while their views of the balance settle)
     * can split the lock's votes so that all are refused and nobody runs the slot: a short random
     * pause breaks the tie, as between candidates of an election. Bounded: three more tries.
     */
    private Optional<Lease> lookAgain(ClaimRequest request, Plan due) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(10, 120));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            if (!isActive() || claimedSince(due.slot())) {
                return Optional.empty();
            }
            Optional<Lease> lease = engine.coordination().claim(request);
            if (lease.isPresent()) {
                return lease;
            }
        }
        return Optional.empty();
    }

    /**
     * The plan for {@code due} after it waited behind another run: as after an overrun on one node,
     * from the first slot it stood for, so that the misfire policy weighs how late it now is.
     */
    private Optional<Plan> afterWaiting(Plan due) {
        Instant first = due.misfire().map(Plan.Misfire::first).orElse(due.slot());
        Instant done = first.minusMillis(1);
        try {
            // Slots another node ran meanwhile (the node of the run, the majority while this one was cut off) are no misfire here.
            Optional<Instant> last = engine.coordination().read(worker.name()).flatMap(WorkerRecord::lastSlot);
            if (last.isPresent() && !last.get().isBefore(first)) {
                done = last.get();
            }
        } catch (RuntimeException e) {
            log.debug("Worker {}: its record cannot be read; planning slot {} from the schedule", worker.name(), first, e);
        }
        return SlotPlanner.after(worker.schedule(), worker.options(), done, engine.now());
    }

    /** Whether a run of an earlier slot, or a triggered run, holds the worker now (paused: nothing is due). */
    private boolean heldByAnEarlierRun(Instant slot) {
        try {
            return engine.coordination().read(worker.name()).map(r -> r.running() && !r.paused()
                    && r.lastSlot().map(last -> last.isBefore(slot)).orElse(true)).orElse(false);
        } catch (RuntimeException e) {
            // A record that cannot be read gives no reason to look again (a cut-off node may still read
            // an old record: its looks then stay backed off, and the next look plans from what it reads).
            log.debug("Worker {}: its record cannot be read; slot {} is not looked at again", worker.name(), slot, e);
            return false;
        }
    }

    /**
     * How long the preferred node waits before it looks at a slot held up by another run again: half
     * the step-in grace at first, an eighth of the wait so far later (a long run costs a few reads,
     * not one per poll), at most {@link #MAX_RETRY_POLL}. The node of the run waits its look grace
     * plus this after its run, and this only grows with the wait, so the preferred node looks first.
     */
    private Duration retryPoll(Plan due) {
        Duration first = engine.coordination().stepInGrace().dividedBy(2);
        Instant since = due.misfire().map(Plan.Misfire::first).orElse(due.slot());
        Duration poll = Duration.between(since, engine.now()).dividedBy(8);
        poll = poll.compareTo(first) < 0 ? first : poll;
        poll = poll.compareTo(MAX_RETRY_POLL) > 0 ? MAX_RETRY_POLL : poll;
        return poll.compareTo(Duration.ofMillis(20)) < 0 ? Duration.ofMillis(20) : poll;
    }

    /** Whether some node claimed {@code slot} or a later one (an unreadable record counts as claimed). */
    private boolean claimedSince(Instant slot) {
        try {
            return engine.coordination().read(worker.name()).map(r -> !leftAhead(r)
                    && r.lastSlot().map(last -> !last.isBefore(slot)).orElse(false)).orElse(false);
        } catch (RuntimeException e) {
            log.debug("Worker {}: its record cannot be read; leaving slot {} to its preferred node", worker.name(), slot, e);
            return true;
        }
    }

    /** The plan after a slot this node did not run (another node has it, or this one is standby). */
    private Optional<Plan> notRunHere(Plan due) {
        Instant now = engine.now();
        if (worker.schedule() instanceof FixedDelay delay) {
            Optional<WorkerRecord> record = readRecord();
            Plan next = SlotPlanner.fromRecord(delay, worker.options(), record, now, now);
            if (next.slot().isAfter(now)) {
                quickClaims = 0;
                return Optional.of(next);
            }
            if (record.isPresent() && !record.get().paused() && !isPaused() && quickClaims < QUICK_CLAIMS
                    && engine.coordination().role(worker.name()) != ClaimRole.STANDBY) {
                // A run due now whose claim was refused (votes split, a lock a moment behind): again at once,
                // a second later would make it late (and skip it under SKIP); but not without end.
                quickClaims++;
                return Optional.of(next);
            }
            // Due at once with no record to go by (unreadable, or nobody ran the worker yet), on a node that
            // does not run it now (standby, paused), or refused again and again (a pause this node missed, no
            // quorum): looking again at once would spin.
            Duration wait = delay.delay().compareTo(NOT_RUN_LOOK) < 0 ? delay.delay() : NOT_RUN_LOOK;
            return Optional.of(Plan.recheckAt(now.plus(wait), 0));
        }
        return SlotPlanner.after(worker.schedule(), worker.options(), due.slot(), now);
    }

    private Optional<Plan> triggerCycle() {
        if (engine.coordination().role(worker.name()) == ClaimRole.STANDBY) {
            synchronized (this) {
                triggerHeardAsStandby = true;
            }
            return Optional.empty();
        }
        Optional<Lease> lease = engine.coordination().claim(rerunsCrashes()
                ? ClaimRequest.triggeredOrRerun(worker.name(), engine.now())
                : ClaimRequest.triggered(worker.name(), engine.now()));
        if (lease.isPresent()) {
            synchronized (this) {
                triggerAttempts = 0;
            }
            execute(lease.get(), RunKind.TRIGGERED);
            if (lease.get().kind() == ClaimRequest.Kind.RERUN) {
                return afterDeferred(lease.get());
            }
        } else if (triggerStillAsked()) {
            // Still asked for: the lock was busy (a run, or a hand-over in progress). Try again shortly, then
            // less often for as long as the record asks: a run elsewhere may hold the lock for minutes, and
            // its node, standing by, does not claim the trigger its completion shows.
            Duration wait;
            synchronized (this) {
                int attempt = ++triggerAttempts;
                wait = attempt <= MAX_RETRY_ATTEMPTS ? engine.lookGrace()
                        : min(engine.lookGrace().multipliedBy(attempt - MAX_RETRY_ATTEMPTS + 1), MAX_TRIGGER_RETRY);
                if (triggerRetry != null) {
                    triggerRetry.cancel();
                }
                triggerRetry = engine.scheduler().schedule(engine.now().plus(wait),
                        () -> startCycle(() -> triggerPending = true, this::triggerCycle));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the record still asks for a trigger, or shows a triggered run whose holder may have died and whose
     * cut asks for the trigger again (see {@link SlotState.Running#rerunIfCut}: a claim that finds it dead does);
     * a record that cannot be read for now may (the claim tells). A run whose cut spends its trigger ends the
     * claims: they would be refused until a regular claim ends the record, never while the worker is paused.
     */
    private boolean triggerStillAsked() {
        try {
            return engine.coordination().read(worker.name()).map(PeriodicEntry::cutTrigger).orElse(false);
        } catch (RuntimeException e) {
            log.debug("Worker {}: its record cannot be read; its trigger is claimed again later", worker.name(), e);
            return true;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private Optional<Plan> rerunCycle() {
        if (engine.coordination().role(worker.name()) == ClaimRole.STANDBY) {
            if (triggerStillAsked()) {
                // The run that ended unfinished may have been a trigger's, asked for again, and its preferred
                // node the one that went: claimed if this node becomes the one to claim.
                synchronized (this) {
                    triggerHeardAsStandby = true;
                }
            }
            return Optional.empty();
        }
        Optional<WorkerRecord> record = readRecord();
        if (record.map(r -> !r.lastSlotReRunnable() && cutTrigger(r)).orElse(false)) {
            synchronized (this) {
                triggerAttempts = 0;
            }
            return triggerCycle();
        }
        if (record.map(WorkerRecord::lastSlotReRunnable).orElse(false)) {
            Instant slot = record.get().lastSlot().orElseThrow();
            Optional<Lease> lease = engine.coordination().claim(ClaimRequest.rerun(worker.name(), slot,
                    record.get().fencingToken()));
            if (lease.isPresent()) {
                log.info("Worker {}: re-running slot {}, whose execution did not finish", worker.name(), slot);
                execute(lease.get(), RunKind.RERUN);
                return afterDeferred(lease.get());
            } else {
                retryLater(() -> ++rerunAttempts, () -> rerunPending = true, this::rerunCycle);
            }
        }
        return Optional.empty();
    }

    private static boolean cutTrigger(WorkerRecord r) {
        return r.triggerPending() || r.running() && r.triggerRunsAgainIfCut();
    }

    /**
     * The lock may still be held for a moment on some member (it expires there a little later), or
     * the worker is running: try again after the step-in grace, a bounded number of times. A record
     * left behind after that is taken over by the regular plan.
     */
    private void retryLater(java.util.function.IntSupplier attempt, Runnable remember, Supplier<Optional<Plan>> body) {
        synchronized (this) {
            if (attempt.getAsInt() > MAX_RETRY_ATTEMPTS) {
                return;
            }
        }
        engine.scheduler().schedule(engine.now().plus(engine.lookGrace()), () -> startCycle(remember, body));
    }

    /**
     * After a claim of {@code due} that re-ran the slot a crash left behind instead: {@code due} and
     * the slots after it are planned as after a run that ended now, from the first slot {@code due}
     * stood for (its misfire's first, or itself), so that the misfire policy decides about all of them
     * at once and any misfire is reported once, with the run that follows; they are claimed through
     * the regular cycle (a standby that was stepping in still steps in). The slots before were this
     * node's to pass already, so they count again neither as missed nor, if they fell during a pause,
     * at all; except from a slot whose claim re-ran the left-behind slot before (the record's
     * deferred slot): its node may have died since, so it and the ones after it are still to run.
     * Slots another node ran meanwhile are no misfire here. Only a re-run that dies too is taken
     * again this way, a bounded number of times ({@link ClaimRules#MAX_RERUNS}).
     */
    private Optional<Plan> afterLeftBehind(Lease rerun, Plan due) {
        Instant now = engine.now();
        Instant from = due.misfire().map(Plan.Misfire::first).orElse(due.slot());
        Optional<WorkerRecord> record = readRecord();
        Instant start = record.flatMap(WorkerRecord::deferredSlot)
                .filter(d -> d.isAfter(rerun.slot()) && d.isBefore(from)).orElse(from);
        Instant before = worker.schedule().latestAtOrBefore(start.minusMillis(1))
                .filter(b -> b.isAfter(rerun.slot()) && b.isBefore(from)).orElse(rerun.slot());
        Optional<Instant> ranSince = record.flatMap(WorkerRecord::lastSlot)
                .filter(last -> last.isAfter(before) && !last.isAfter(now));
        return SlotPlanner.after(worker.schedule(), worker.options(), ranSince.orElse(before), now)
                .map(p -> due.stepIn() && !p.slot().isAfter(now) ? p.afterGrace() : p);
    }

    /**
     * After a re-run that took no slot of this node's with it (the orphan's re-run request, a
     * trigger's take-over): a slot whose claim re-ran the same slot before, on a node that may have
     * died since (the record's deferred slot), is planned now with the misfire policy, if this
     * node's plan lies beyond it; otherwise the plan stays.
     */
    private Optional<Plan> afterDeferred(Lease rerun) {
        if (worker.schedule() instanceof FixedDelay) {
            return Optional.empty();
        }
        Optional<Instant> deferred = readRecord().flatMap(WorkerRecord::deferredSlot)
                .filter(d -> d.isAfter(rerun.slot()));
        Plan current;
        synchronized (this) {
            current = plan;
        }
        if (deferred.isEmpty() || current == null
                || !deferred.get().isBefore(current.misfire().map(Plan.Misfire::first).orElse(current.slot()))) {
            return Optional.empty();
        }
        Instant before = worker.schedule().latestAtOrBefore(deferred.get().minusMillis(1))
                .filter(b -> b.isAfter(rerun.slot())).orElse(rerun.slot());
        return SlotPlanner.after(worker.schedule(), worker.options(), before, engine.now());
    }

    /** A claim of a regular slot; for a worker whose crashed runs run again, it re-runs an unfinished last slot first. */
    private ClaimRequest scheduledClaim(Instant slot) {
        return rerunsCrashes() ? ClaimRequest.scheduledOrRerun(worker.name(), slot)
                : ClaimRequest.scheduled(worker.name(), slot);
    }

    private boolean rerunsCrashes() {
        return worker.options().onCrash() == CrashPolicy.RERUN;
    }

    /**
     * Whether {@code p}'s slot is claimed ahead of its instant: a regular slot (not a look after the
     * grace, a retry or a catch-up) of a schedule whose previous slot lies at least twice the lead
     * before it, not yet fallen. Fixed delay has no instant to claim ahead of: its next slot follows
     * the end of the run.
     */
    private boolean claimsAhead(Plan p) {
        Duration lead = engine.claimAhead();
        if (lead.isZero() || worker.schedule() instanceof FixedDelay || p.stepIn() || p.provisional()
                || p.retry().isPresent() || p.misfire().isPresent() || !p.slot().isAfter(engine.now())) {
            return false;
        }
        // Twice the lead as two steps back: Duration.multipliedBy goes through BigDecimal, and this runs per slot.
        return worker.schedule().nextAfter(p.slot().minus(lead).minus(lead)).map(p.slot()::equals).orElse(false);
    }

    /**
     * Registers the run of a slot claimed ahead as this node's run from the claim on (a shutdown
     * meanwhile waits for it, and a close past the grace stops it before it starts); false if the
     * entry stopped meanwhile (the lease was given back).
     */
    private boolean prepareAhead(Lease lease) {
        Optional<Prepared> ready = prepare(lease, RunKind.SCHEDULED);
        ready.ifPresent(r -> claimedAhead = r);
        return ready.isPresent();
    }

    /**
     * Blocks this cycle until {@code at} on the engine's clock (scheduled wake-ups, so that manual
     * time moves them), or not at all once the clock lies so far behind it that the wait would pass
     * over a whole slot. Cut short by a stop while nothing is claimed, and by an interrupt of the run
     * claimed ahead (which then does not start).
     *
     * @return false if the entry stopped meanwhile
     */
    private boolean awaitInstant(Instant at) {
        // The cluster clock may move back before the wait (while the claim was on its way) or under it, and
        // forward again; a wake-up counts real time from when it is armed. So the wait goes in pieces of at
        // most a second and the lead, each reading the clock again. A clock behind the instant by less than
        // the gap before it is waited out; one further back (minutes of a 1 s worker, its slot claimed) ends
        // the wait: a claimed slot starts as if at its instant, with nothing claimed the caller plans again.
        // A clock that keeps moving back either crosses that line or, slower than real time, reaches the instant.
        Duration bound = SlotPlanner.MISFIRE_THRESHOLD.plus(engine.claimAhead());
        boolean woken = false;
        while (true) {
            Instant now = engine.now();
            Duration left = Duration.between(now, at);
            if (!left.isPositive() || left.compareTo(bound) > 0 && passesASlot(now, at)) {
                break;
            }
            if (woken && left.compareTo(AT_MOST_EARLY) < 0) {
                // The timer counts in milliseconds: it may fire a moment early.
                LockSupport.parkNanos(left.toNanos());
                break;
            }
            if (!awaitWake(left.compareTo(bound) <= 0 ? at : now.plus(bound))) {
                break;
            }
            woken = true;
        }
        return isActive();
    }

    /**
     * Whether the schedule has a slot between the clock {@code now} and the one before {@code at}:
     * the clock lies behind by more than a gap, and waiting for {@code at} would pass over a slot.
     */
    private boolean passesASlot(Instant now, Instant at) {
        Optional<Instant> before = worker.schedule().latestAtOrBefore(at.minusMillis(1));
        Optional<Instant> next = worker.schedule().nextAfter(now.minusMillis(1));
        return before.isPresent() && next.isPresent() && next.get().isBefore(before.get());
    }

    /** One wait for the wake-up at {@code at}; false if a stop or an interrupt cut it short. */
    private boolean awaitWake(Instant at) {
        CountDownLatch fallen = new CountDownLatch(1);
        AtomicBoolean fired = new AtomicBoolean();
        // Whoever comes first, the wake-up or this thread giving up the wait, settles the count of runs woken;
        // the wake-up counts before it looks, so that the count never dips below what is woken.
        AtomicBoolean counted = new AtomicBoolean();
        instantWait = fallen;
        Cancellable wake = engine.scheduler().schedule(at, () -> {
            engine.startsFirst().woken();
            if (!counted.compareAndSet(false, true)) {
                engine.startsFirst().going();
            }
            fired.set(true);
            fallen.countDown();
        });
        try {
            synchronized (this) {
                // A stop with nothing claimed, or an interrupt of the run claimed ahead, that came before this wait.
                if (!active && running == null || running != null && running.stopRequested()) {
                    fallen.countDown();
                }
            }
            fallen.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            wake.cancel();
            instantWait = null;
            if (!counted.compareAndSet(false, true)) {
                engine.startsFirst().going();
            }
        }
        return fired.get() && !Thread.currentThread().isInterrupted();
    }

    /**
     * After a wait for {@code due}'s instant, with nothing claimed, that ended with the cluster clock
     * still before it (it lies behind by more than the gap before the slot, see {@link #awaitInstant}):
     * the slot is planned again from the clock as it is now, as {@link #onWake} does.
     */
    private Optional<Plan> plannedAgain(Plan due) {
        Optional<Plan> fresh = worker.schedule().nextAfter(engine.now().minusMillis(1)).map(Plan::at);
        log.info("Worker {}: the cluster clock moved back; slot {} is planned again as {}", worker.name(), due.slot(),
                fresh.map(Plan::slot).orElse(null));
        return fresh;
    }

    /** After an error between a claim ahead and its run: the run never starts, its lease is given back. */
    private void abandonAhead() {
        Prepared ready = claimedAhead;
        claimedAhead = null;
        if (ready != null) {
            synchronized (this) {
                running = null;
                heldUntil = engine.now();
            }
            engine.active().remove(ready.execution());
            ready.lease().release();
        }
    }

    /** A run registered with the engine and this entry, not started yet. */
    private record Prepared(Lease lease, Execution execution, RunKind kind, long pauseChangesBefore) {
    }

    private Optional<Execution.Finished> execute(Lease lease, RunKind asked) {
        Prepared ready = claimedAhead;
        claimedAhead = null;
        if (ready == null || ready.lease() != lease) {
            ready = prepare(lease, asked).orElse(null);
        }
        return ready == null ? Optional.empty() : Optional.of(run(ready));
    }

    private Optional<Prepared> prepare(Lease lease, RunKind asked) {
        Instant claimedAt = engine.now();
        RunKind kind = asked;
        if (lease.kind() == ClaimRequest.Kind.RERUN && asked != RunKind.RERUN) {
            log.info("Worker {}: re-running slot {}, whose execution did not finish, before the slot it claimed",
                    worker.name(), lease.slot());
            kind = RunKind.RERUN;
        }
        Execution execution = new Execution(engine, worker, lease, kind);
        long pauseChangesBefore;
        synchronized (this) {
            pauseChangesBefore = pauseChanges;
            if (!active) {
                lease.release();
                return Optional.empty();
            }
            // Registered before the entry's lock is released: close() either stops the entry first or sees this run.
            running = execution;
            engine.active().add(execution);
            heldFrom = claimedAt;
            heldUntil = Instant.MAX;
        }
        return Optional.of(new Prepared(lease, execution, kind, pauseChangesBefore));
    }

    private Execution.Finished run(Prepared ready) {
        Lease lease = ready.lease();
        RunKind kind = ready.kind();
        Execution execution = ready.execution();
        if (lease.kind() == ClaimRequest.Kind.RERUN) {
            // The slot's first claim went past a deferred slot, and its run did not finish: report for it.
            reportMisfire(Plan.at(lease.slot()), lease);
        }
        Execution.Finished finished = execution.run();
        synchronized (this) {
            running = null;
            heldUntil = engine.now();
            Outcome outcome = finished.result().outcome();
            lastOutcome = outcome;
            if (outcome.closesSlot()) {
                unfinishedReruns = 0;
            } else if (kind == RunKind.RERUN) {
                unfinishedReruns++;
            }
            executions++;
            failuresInARow = outcome == Outcome.FAILED || outcome == Outcome.TIMED_OUT ? failuresInARow + 1 : 0;
            finished.record().filter(WorkerRecord::triggerPending).ifPresent(r -> triggerPending = true);
        }
        // An event learned during the run may be newer than the run's record (a resume applied right after
        // the completion) or older (its successor's event lost).
        finished.record().ifPresent(r -> settlePause(r, ready.pauseChangesBefore(), false));
        return finished;
    }

    private Optional<WorkerRecord> readRecord() {
        try {
            return engine.coordination().read(worker.name());
        } catch (CoordinationStoppedException e) {
            log.debug("Worker {}: its record cannot be read, the coordination stopped (said once)", worker.name());
            return Optional.empty();
        } catch (RuntimeException e) {
            log.warn("Worker {}: reading its record failed; planning without it", worker.name(), e);
            return Optional.empty();
        }
    }

    private Optional<Plan> fallbackPlan() {
        // Not before the slot of a regular cycle that woke ahead of it and failed: it would wake at once again.
        Instant ahead = wokenAheadOf;
        Instant now = ahead != null && ahead.isAfter(engine.now()) ? ahead : engine.now();
        if (worker.schedule() instanceof FixedDelay delay) {
            return Optional.of(Plan.recheckAt(now.plus(delay.delay()), 0));
        }
        return worker.schedule().nextAfter(now).map(Plan::at);
    }

    private FixedDelay delay() {
        return (FixedDelay) worker.schedule();
    }

    private synchronized void rememberTrigger() {
        triggerPending = true;
    }

    private synchronized boolean heldAt(Instant slot) {
        return !slot.isBefore(heldFrom) && !slot.isAfter(heldUntil);
    }

    private synchronized boolean isActive() {
        return active;
    }

    private synchronized boolean isPaused() {
        return paused;
    }

    /**
     * The misfire of the slot {@code lease} runs: its plan's, from the deferred slot the claim went
     * past if earlier, unless this node reported that with the slot's first run (its re-run now).
     */
    private void reportMisfire(Plan due, Lease lease) {
        Optional<Instant> passed = lease.passedDeferredSlot();
        synchronized (this) {
            if (passed.isPresent() && passed.get().equals(reportedPassed) && lease.slot().equals(reportedPassedWith)) {
                passed = Optional.empty();
            } else if (passed.isPresent()) {
                reportedPassed = passed.get();
                reportedPassedWith = lease.slot();
            }
        }
        SlotPlanner.misfireOf(worker.schedule(), worker.options(), due, passed).ifPresent(this::reportMisfire);
    }

    private void reportMisfire(Plan.Misfire m) {
        MisfirePolicy policy = m.skipped() ? MisfirePolicy.SKIP : MisfirePolicy.COALESCE;
        log.info("Worker {}: {} slot(s) from {} to {} were not run on time; {}", worker.name(), m.count(), m.first(),
                m.last(), m.skipped() ? "skipped" : "coalesced into one run");
        engine.listeners().misfired(worker.name(), m.first(), m.last(), m.count(), policy);
    }
}
