package dev.baton.coordinator.internal;

import dev.baton.coordinator.TaskScheduler;
import dev.baton.worker.BackgroundWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExceptionNotifier;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.Outcome;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.ServiceScopeFactory;
import dev.baton.worker.Worker;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.WorkerNames;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine behind {@link BackgroundWorkerManager}: one scheduler, one entry per worker, virtual threads. */
public final class WorkerManager implements BackgroundWorkerManager {

    private static final Logger log = LoggerFactory.getLogger(WorkerManager.class);
    /** How long interrupted executions get to wind down before close moves on. */
    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(5);
    /**
     * How long close still waits for a claim in flight once the grace is over. A claim that started
     * before close began ends within the lock's acquire timeout and one record call, which the grace
     * (10 s by default) normally covers.
     */
    private static final Duration AFTER_CLAIM = Duration.ofSeconds(2);

    private enum State { NEW, RUNNING, CLOSING, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final Engine engine;
    private final Duration shutdownGrace;
    private final boolean ownsScheduler;
    private final Map<String, Object> entries = new ConcurrentHashMap<>();
    /** Removed workers whose last cycle may still hold a claim: close waits for them as for the others. */
    private final java.util.Set<PeriodicEntry> retired = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean rebalancePending = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param ownsScheduler whether close should close the scheduler too (not when the application
     *                      passed its own, which others may share)
     */
    public WorkerManager(Coordination coordination, TaskScheduler scheduler, boolean ownsScheduler,
                         ServiceScopeFactory services, List<ExecutionListener> listeners,
                         List<ExceptionNotifier> notifiers, Duration shutdownGrace, Duration claimAhead) {
        this.engine = new Engine(coordination, scheduler, services, new Listeners(listeners, notifiers),
                new ActiveExecutions(), new Lateness(), claimAhead, new StartsFirst());
        this.ownsScheduler = ownsScheduler;
        this.shutdownGrace = shutdownGrace;
    }

    @Override
    public void add(PeriodicBackgroundWorker worker) {
        Objects.requireNonNull(worker, "worker");
        PeriodicEntry entry = new PeriodicEntry(engine, worker);
        claimName(worker.name(), entry);
        engine.coordination().register(worker.name());
        log.info("Worker {} added with schedule {}", worker.name(), worker.schedule().describe());
        if (state.get() == State.RUNNING) {
            entry.start();
            if (state.get() != State.RUNNING) {
                // Close began meanwhile and may have stopped the entries before this one was among them.
                entry.stop();
            }
        }
    }

    @Override
    public void add(BackgroundWorker worker) {
        Objects.requireNonNull(worker, "worker");
        String name = WorkerNames.requireValid(worker.name());
        PlainEntry entry = new PlainEntry(worker, name, engine.nodeId());
        claimName(name, entry);
        log.info("Background worker {} added", name);
        if (state.get() == State.RUNNING) {
            entry.start();
        }
    }

    @Override
    public void add(Class<? extends Worker> workerType) {
        Objects.requireNonNull(workerType, "workerType");
        Worker worker = engine.services().findRoot(workerType).orElseThrow(() -> new IllegalArgumentException(
                "no " + workerType.getName() + " in the application's container; register it there (for example"
                        + " ServiceContainer.builder().singleton(" + workerType.getSimpleName() + ".class, ...))"
                        + " or add an instance with add(worker)"));
        switch (worker) {
            case PeriodicBackgroundWorker periodic -> add(periodic);
            case BackgroundWorker plain -> add(plain);
        }
    }

    @Override
    public boolean remove(String name) {
        Object entry = entries.remove(name);
        if (entry instanceof PeriodicEntry periodic) {
            periodic.stop();
            retired.removeIf(PeriodicEntry::idle);
            retired.add(periodic);
            engine.coordination().unregister(name);
        } else if (entry instanceof PlainEntry plain) {
            plain.stop(shutdownGrace);
        }
        if (entry != null) {
            log.info("Worker {} removed", name);
        }
        return entry != null;
    }

    @Override
    public List<WorkerInfo> list() {
        List<WorkerInfo> result = new ArrayList<>();
        for (Object entry : entries.values()) {
            result.add(entry instanceof PeriodicEntry p ? p.info() : ((PlainEntry) entry).info());
        }
        result.sort(Comparator.comparing(WorkerInfo::name));
        return result;
    }

    @Override
    public void pause(String name) {
        engine.coordination().pause(requirePeriodic(name).name());
    }

    @Override
    public void resume(String name) {
        engine.coordination().resume(requirePeriodic(name).name());
    }

    @Override
    public void trigger(String name) {
        engine.coordination().trigger(requirePeriodic(name).name());
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            if (state.get() != State.RUNNING) {
                throw new IllegalStateException("this manager is closed; create a new one");
            }
            return;
        }
        engine.coordination().start(new Events());
        entries.values().forEach(e -> {
            if (e instanceof PeriodicEntry p) {
                p.start();
            } else {
                ((PlainEntry) e).start();
            }
        });
        scheduleWatch();
        log.info("Baton started on node {} with {} worker(s)", engine.nodeId(), entries.size());
    }

    /** How often the slots this node passed as a standby are checked against the records. */
    private Duration watchInterval() {
        Duration every = engine.coordination().renewInterval().multipliedBy(5);
        return every.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : every;
    }

    private void scheduleWatch() {
        if (state.get() != State.RUNNING) {
            return;
        }
        engine.scheduler().schedule(engine.now().plus(watchInterval()),
                () -> engine.scheduler().dispatch("baton-watch", this::watch));
    }

    /**
     * A liveness guard: nodes that disagree for a while on who prefers a worker (views of the balance
     * converge through messages) could all stand by. One read of the records of the slots this node
     * passed as a standby finds a slot nobody ran; see {@link PeriodicEntry#onWatch}.
     */
    private void watch() {
        try {
            Duration every = watchInterval().multipliedBy(2);
            List<PeriodicEntry> passed = periodicEntries().stream().filter(p -> p.passedAsStandby(every)).toList();
            if (!passed.isEmpty()) {
                Map<String, WorkerRecord> records = engine.coordination().readAll(
                        passed.stream().map(PeriodicEntry::name).collect(java.util.stream.Collectors.toSet()));
                Duration lookFor = watchInterval().multipliedBy(4);
                passed.forEach(p -> p.onWatch(Optional.ofNullable(records.get(p.name())), lookFor));
            }
        } catch (RuntimeException e) {
            log.debug("Checking the slots passed as a standby failed; trying again later", e);
        } finally {
            scheduleWatch();
        }
    }

    @Override
    public void close() {
        State previous = state.getAndUpdate(s -> s == State.CLOSED ? s : State.CLOSING);
        if (previous == State.CLOSING || previous == State.CLOSED) {
            return;
        }
        long closeStarted = System.nanoTime();
        log.info("Baton on node {} is shutting down: waiting up to {} for running executions", engine.nodeId(),
                shutdownGrace);
        // Leaving first: the others take the idle workers at once, and each running one as its run ends.
        try {
            engine.coordination().leaving();
        } catch (RuntimeException e) {
            log.warn("Announcing that this node leaves failed; the others notice when it is gone", e);
        }
        periodicEntries().forEach(PeriodicEntry::stop);
        entries.values().stream().filter(PlainEntry.class::isInstance).map(PlainEntry.class::cast)
                .forEach(p -> p.stop(shutdownGrace));
        try {
            if (!engine.active().awaitNone(shutdownGrace)) {
                List<String> left = engine.active().snapshot().stream().map(Execution::worker).sorted().toList();
                log.warn("Interrupting executions still running after {}: {}", shutdownGrace, left);
                withRetired().forEach(p -> p.interrupt(Outcome.INTERRUPTED));
                if (!engine.active().awaitNone(AFTER_INTERRUPT)) {
                    log.error("Executions ignored the interrupt and still run: {}; their leases are left to expire",
                            engine.active().snapshot().stream().map(Execution::worker).sorted().toList());
                }
            }
            awaitCyclesEnded(closeStarted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            withRetired().forEach(p -> p.interrupt(Outcome.INTERRUPTED));
        } finally {
            closeQuietly("coordination", engine.coordination());
            if (ownsScheduler) {
                closeQuietly("scheduler", engine.scheduler());
            }
            state.set(State.CLOSED);
            log.info("Baton on node {} stopped", engine.nodeId());
        }
    }

    /**
     * A claim in flight when the entries stopped either becomes nothing (its lease is given back) or
     * was already a run, waited for above: the coordination closes only after, or it would close
     * holding that lease and the others would wait for it to expire.
     */
    private void awaitCyclesEnded(long closeStarted) throws InterruptedException {
        long deadline = Math.max(closeStarted + shutdownGrace.toNanos(), System.nanoTime() + AFTER_CLAIM.toNanos());
        List<String> busy = new ArrayList<>();
        for (PeriodicEntry p : withRetired()) {
            if (!p.awaitIdle(deadline)) {
                busy.add(p.name());
            }
        }
        if (!busy.isEmpty()) {
            log.warn("Closing while these workers still wait on the cluster: {}; a lease they get expires on its own",
                    busy);
        }
    }

    private void claimName(String name, Object entry) {
        State s = state.get();
        if (s == State.CLOSING || s == State.CLOSED) {
            throw new IllegalStateException("this manager is closed; worker '" + name + "' was not added");
        }
        Object existing = entries.putIfAbsent(name, entry);
        if (existing != null) {
            throw new IllegalArgumentException("a worker named '" + name + "' is already registered on this node;"
                    + " give each worker a unique name (pass one to the worker's constructor) or remove the other first");
        }
    }

    private PeriodicEntry requirePeriodic(String name) {
        Object entry = entries.get(name);
        if (entry instanceof PeriodicEntry periodic) {
            return periodic;
        }
        throw new IllegalArgumentException(entry == null
                ? "no worker named '" + name + "' on this node; known: " + entries.keySet().stream().sorted().toList()
                : "worker '" + name + "' is a continuous BackgroundWorker; only periodic workers can be paused,"
                        + " resumed or triggered");
    }

    /** The periodic entries and the removed ones whose last cycle may still hold a claim or a run. */
    private List<PeriodicEntry> withRetired() {
        List<PeriodicEntry> all = new ArrayList<>(periodicEntries());
        all.addAll(retired);
        return all;
    }

    private List<PeriodicEntry> periodicEntries() {
        return entries.values().stream().filter(PeriodicEntry.class::isInstance).map(PeriodicEntry.class::cast).toList();
    }

    private static void closeQuietly(String what, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Closing the {} failed", what, e);
        }
    }

    private final class Events implements CoordinationEvents {
        @Override
        public void triggered(String worker) {
            if (entries.get(worker) instanceof PeriodicEntry p) {
                p.onTriggered();
            }
        }

        @Override
        public void pauseChanged(String worker, boolean paused) {
            pauseChanged(worker, paused, 0, Optional.empty());
        }

        @Override
        public void pauseChanged(String worker, boolean paused, long token, Optional<Instant> madeAt) {
            if (entries.get(worker) instanceof PeriodicEntry p) {
                p.onPauseChanged(paused, token, madeAt);
            }
        }

        @Override
        public void orphaned(String worker) {
            if (entries.get(worker) instanceof PeriodicEntry p) {
                p.onOrphaned();
            }
        }

        @Override
        public void rebalanced() {
            // Membership changes come in bursts (a join registers many workers): one pass per burst.
            if (rebalancePending.compareAndSet(false, true)) {
                engine.scheduler().schedule(engine.now().plusMillis(20), () -> {
                    rebalancePending.set(false);
                    engine.scheduler().dispatch("baton-rebalance",
                            () -> periodicEntries().forEach(PeriodicEntry::onRebalanced));
                });
            }
        }
    }
}
