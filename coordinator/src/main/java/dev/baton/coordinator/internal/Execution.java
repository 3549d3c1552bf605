package dev.baton.coordinator.internal;

import dev.baton.worker.internal.WorkerAccess;
import dev.baton.coordinator.TaskScheduler.Cancellable;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.Outcome;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.ServiceScope;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One execution of one slot, on the calling thread: context, MDC, scope, timeout, lease watch,
 * the exception rules, and the completion. Never throws: every outcome is a result.
 */
final class Execution {

    private static final Logger log = LoggerFactory.getLogger(Execution.class);

    private final Engine engine;
    private final PeriodicBackgroundWorker worker;
    private final Lease lease;
    private final dev.baton.worker.RunKind kind;
    private final String executionId = newExecutionId();
    private Outcome stopCause;
    private boolean finished;
    private volatile Thread thread;

    /** What the execution produced and the record after completion (empty if the lease was lost). */
    record Finished(ExecutionResult result, Optional<WorkerRecord> record) {
    }

    Execution(Engine engine, PeriodicBackgroundWorker worker, Lease lease, dev.baton.worker.RunKind kind) {
        this.engine = engine;
        this.worker = worker;
        this.lease = lease;
        this.kind = kind;
    }

    /**
     * Interrupts the execution for {@code cause}; the first cause wins. Before the execution's
     * thread has started {@code doWork}, it is only recorded: {@code doWork} then does not start.
     */
    synchronized void stop(Outcome cause) {
        // Under the lock so that no interrupt of ours can land after the execution finished.
        if (finished || stopCause != null) {
            return;
        }
        stopCause = cause;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Binds the execution to the calling thread; false if it was stopped before it began. */
    private synchronized boolean begin() {
        thread = Thread.currentThread();
        return stopCause == null;
    }

    private synchronized boolean stopped() {
        return stopCause != null;
    }

    /** Whether the execution was told to stop (before it began, it then does not start). */
    synchronized boolean stopRequested() {
        return stopped();
    }

    private synchronized Outcome finish() {
        finished = true;
        return stopCause;
    }

    String worker() {
        return worker.name();
    }

    /** Runs the execution; the caller registered it with the engine's active executions. */
    Finished run() {
        try {
            putMdc();
            return runInMdc();
        } finally {
            MDC.clear();
            engine.active().remove(this);
        }
    }

    private Finished runInMdc() {
        Instant startedAt = engine.now();
        Cancellable timeout = worker.options().timeoutIfAny()
                .map(t -> engine.scheduler().schedule(startedAt.plus(t), () -> stop(Outcome.TIMED_OUT)))
                .orElse(() -> { });
        lease.onLost(() -> stop(Outcome.LEASE_LOST));
        Renewal renewal = new Renewal();
        renewal.arm();
        Throwable error = null;
        boolean announced = false;
        try {
            // A pause between the claim and here may have cost the lease: tell no listener of a start without
            // it (a journal's start line, written at the thaw with the old fence, would show this node running
            // beside the one that took the slot over).
            if (!stopped() && lease.isValid()) {
                announced = true;
                // Before begin(): a stop while the listeners run is only recorded, and keeps doWork from starting.
                engine.listeners().started(new ExecutionStart(worker.name(), executionId, lease.slot(),
                        lease.fencingToken(), engine.nodeId(), startedAt, kind));
            }
            if (!announced) {
                stop(Outcome.LEASE_LOST);
            } else if (begin()) {
                // The listeners may have taken longer than what was left of the lease.
                if (!lease.isValid()) {
                    stop(Outcome.LEASE_LOST);
                } else {
                    try (ServiceScope scope = engine.services().openScope()) {
                        WorkerAccess.execute(worker, new ExecutionContext(executionId, engine.nodeId(), lease, scope, kind));
                    }
                }
            }
        } catch (Throwable t) {
            error = t;
        } finally {
            timeout.cancel();
            renewal.cancel();
        }
        Outcome cause = finish();
        // Clear the interrupt before talking to the coordination; re-assert it if it was not ours.
        boolean interrupted = Thread.interrupted();
        Outcome outcome = cause != null ? cause
                : error instanceof dev.baton.worker.LeaseLostException ? Outcome.LEASE_LOST
                : error == null ? Outcome.SUCCEEDED : Outcome.FAILED;
        ExecutionResult result = new ExecutionResult(worker.name(), executionId, lease.slot(), lease.fencingToken(),
                engine.nodeId(), startedAt, engine.now(), outcome, Optional.ofNullable(error), kind);
        if (!announced) {
            engine.listeners().notStarted(result);
            log.warn("Worker {} did not start its run of slot {}: {}", worker.name(), lease.slot(), switch (outcome) {
                case LEASE_LOST -> "its lease was lost between the claim and the start (was this node paused or cut"
                        + " off?); another node may take the slot over";
                case INTERRUPTED -> "the node is stopping";
                default -> "outcome " + outcome;
            }, error);
            return new Finished(result, complete(outcome));
        }
        report(result, error);
        // Before the lock is released, after which another node may start the next run: a journal line
        // written later (or never, if this process dies in between) would show two runs at once.
        engine.listeners().ending(result);
        // Runs woken at this instant and not yet started go first: the carrier threads are theirs.
        engine.startsFirst().awaitStarts();
        // A listener may have set the interrupt again (which also cut that wait short): recording the outcome
        // must not be cut short by it.
        interrupted |= Thread.interrupted();
        Optional<WorkerRecord> after = complete(outcome);
        engine.listeners().finished(result);
        if (interrupted && cause == null) {
            Thread.currentThread().interrupt();
        }
        return new Finished(result, after);
    }

    private void report(ExecutionResult result, Throwable error) {
        switch (result.outcome()) {
            case FAILED -> {
                log.error("Worker {} failed for slot {}; it runs again at its next slot", worker.name(), lease.slot(),
                        error);
                engine.listeners().notifyFailure(result, error);
            }
            case TIMED_OUT -> log.warn("Worker {} ran past its timeout of {} and was interrupted", worker.name(),
                    worker.options().timeout());
            case LEASE_LOST -> log.warn("Worker {} lost its lease and was interrupted; another node may take it over",
                    worker.name());
            case INTERRUPTED -> log.info("Worker {} was interrupted by shutdown after {}", worker.name(),
                    result.duration());
            default -> log.debug("Worker {} finished in {}", worker.name(), result.duration());
        }
    }

    private Optional<WorkerRecord> complete(Outcome outcome) {
        try {
            Optional<WorkerRecord> after = lease.complete(outcome);
            if (after.isEmpty() && outcome != Outcome.LEASE_LOST) {
                log.warn("Worker {}: the outcome {} could not be recorded (the lease was lost, or the record did not"
                        + " answer in time); the slot counts as unfinished", worker.name(), outcome);
            }
            return after;
        } catch (RuntimeException e) {
            log.warn("Worker {}: recording the outcome {} failed; the lease will expire on its own", worker.name(),
                    outcome, e);
            return Optional.empty();
        }
    }

    private void putMdc() {
        MDC.put("worker", worker.name());
        MDC.put("executionId", executionId);
        MDC.put("slot", lease.slot().toString());
        MDC.put("fence", Long.toString(lease.fencingToken()));
        MDC.put("node", engine.nodeId());
    }

    private static String newExecutionId() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Renews the lease every renew interval while the execution runs. */
    private final class Renewal {
        private volatile Cancellable next;
        private volatile boolean cancelled;

        void arm() {
            if (!cancelled) {
                next = engine.scheduler().schedule(engine.now().plus(engine.coordination().renewInterval()), this::renew);
            }
        }

        private void renew() {
            if (cancelled) {
                return;
            }
            boolean valid;
            try {
                valid = lease.renew();
            } catch (RuntimeException e) {
                log.warn("Renewing the lease of worker {} failed; trying again", worker.name(), e);
                valid = true;
            }
            if (valid) {
                arm();
            } else {
                stop(Outcome.LEASE_LOST);
            }
        }

        void cancel() {
            cancelled = true;
            Cancellable n = next;
            if (n != null) {
                n.cancel();
            }
        }
    }
}
