package dev.baton.worker;

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
 * An exception from {@code doWork} is logged, passed to the {@link ExceptionNotifier}s and
 * counted; the worker runs again at its next slot. The executing thread is interrupted when the
 * timeout passes, when the lease is lost, or when the manager shuts down: long work should
 * check {@link Thread#interrupted()} or {@link WorkerContext#ensureLeaseValid()} now and then.
 */
public abstract class PeriodicBackgroundWorker {

    private final String name;
    private final Schedule schedule;
    private final WorkerOptions options;

    /** Named after the simple class name, with default options. */
    protected PeriodicBackgroundWorker(Schedule schedule) {
        this(null, schedule, WorkerOptions.defaults());
    }

    /** Named after the simple class name. */
    protected PeriodicBackgroundWorker(Schedule schedule, WorkerOptions options) {
        this(null, schedule, options);
    }

    /**
     * @param name unique in the cluster; {@code null} for the simple class name
     */
    protected PeriodicBackgroundWorker(String name, Schedule schedule, WorkerOptions options) {
        this.name = WorkerNames.requireValid(name != null ? name : getClass().getSimpleName());
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.options = Objects.requireNonNull(options, "options");
    }

    public final String name() {
        return name;
    }

    public final Schedule schedule() {
        return schedule;
    }

    public final WorkerOptions options() {
        return options;
    }

    /** The work of one slot. Called by the engine only; never concurrently for one worker. */
    protected abstract void doWork(WorkerContext context) throws Exception;

    /** Entry point for the engine, which lives in another package. Not for application code. */
    public final void execute(WorkerContext context) throws Exception {
        doWork(context);
    }

    @Override
    public String toString() {
        return name + "[" + schedule.describe() + "]";
    }
}
