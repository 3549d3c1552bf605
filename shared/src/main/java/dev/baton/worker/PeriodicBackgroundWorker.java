package dev.baton.worker;

import dev.baton.worker.internal.WorkerAccess;
import java.util.Objects;

/**
 * A worker that runs periodically, once per slot across the whole cluster. Subclass it and
 * implement {@link #doWork(WorkerContext)}:
 *
 * <pre>{@code
 * public final class PassiveUserCheckerWorker extends PeriodicBackgroundWorker {
 *     public PassiveUserCheckerWorker() {
 *         super(Schedule.fixedDelay(Duration.ofMinutes(10)));
 *     }
 *
 *     protected void doWork(WorkerContext context) throws Exception {
 *         var users = context.services().get(UserRepository.class);
 *         users.markPassiveUsersNotLoggedInSince(context.scheduledAt().minus(Duration.ofDays(30)));
 *     }
 * }
 * }</pre>
 *
 * For a worker of a few lines, {@link Workers#periodic(String, Schedule)} takes a lambda instead.
 *
 * <p>An exception from {@code doWork} is logged, passed to the {@link ExceptionNotifier}s and
 * counted; the worker runs again at its next slot.
 *
 * <p>Each execution runs on its own <b>virtual thread</b>, named {@code baton-<worker>}. The thread
 * is interrupted when the timeout passes, when the lease is lost, or when the manager shuts down:
 * long work should check {@link Thread#interrupted()} or {@link WorkerContext#ensureLeaseValid()}
 * now and then. An interrupt that arrives during blocking I/O closes the channel it blocks on: a
 * JDBC driver's socket, for example, so that the pool (HikariCP and others) logs the connection as
 * broken and replaces it. That is the interrupt doing its job; let the exception end the work,
 * rather than catching it and going on with a closed connection.
 *
 * <p>Only the engine calls {@code doWork}: application code cannot run a slot outside it (it would
 * have no lease, no scope and no fencing token). To run a worker now, use
 * {@link BackgroundWorkerManager#trigger(String)}.
 */
public abstract non-sealed class PeriodicBackgroundWorker implements Worker {

    static {
        WorkerAccess.install(PeriodicBackgroundWorker::run);
    }

    private final String name;
    private final Schedule schedule;
    private final WorkerOptions options;

    /**
     * Named after the simple class name, with default options.
     *
     * @param schedule when it runs
     */
    protected PeriodicBackgroundWorker(Schedule schedule) {
        this(null, schedule, WorkerOptions.defaults());
    }

    /**
     * Named after the simple class name.
     *
     * @param schedule when it runs
     * @param options  timeout, misfire and crash policies, initial delay
     */
    protected PeriodicBackgroundWorker(Schedule schedule, WorkerOptions options) {
        this(null, schedule, options);
    }

    /**
     * A named worker.
     *
     * @param name     unique in the cluster; {@code null} for the simple class name
     * @param schedule when it runs
     * @param options  timeout, misfire and crash policies, initial delay
     */
    protected PeriodicBackgroundWorker(String name, Schedule schedule, WorkerOptions options) {
        this.name = WorkerNames.requireValid(name != null ? name : getClass().getSimpleName());
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** {@inheritDoc} */
    @Override
    public final String name() {
        return name;
    }

    /**
     * When the worker runs.
     *
     * @return the schedule
     */
    public final Schedule schedule() {
        return schedule;
    }

    /**
     * How the worker runs.
     *
     * @return the options
     */
    public final WorkerOptions options() {
        return options;
    }

    /**
     * The work of one slot. Called by the engine only; never concurrently for one worker.
     *
     * @param context the execution: slot, fencing token, scope, lease
     * @throws Exception anything; it is logged, notified and counted, and the worker runs again at its next slot
     */
    protected abstract void doWork(WorkerContext context) throws Exception;

    private static void run(PeriodicBackgroundWorker worker, WorkerContext context) throws Exception {
        worker.doWork(context);
    }

    @Override
    public String toString() {
        return name + "[" + schedule.describe() + "]";
    }
}
