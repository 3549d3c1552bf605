package dev.baton.worker;

import java.util.Objects;

/**
 * Small periodic workers written as a lambda, without a class of their own:
 *
 * <pre>{@code
 * manager.add(Workers.periodic("passive-user-checker", Schedule.fixedDelay(Duration.ofMinutes(10)))
 *         .options(WorkerOptions.defaults().withTimeout(Duration.ofMinutes(2)))
 *         .execute(context -> users.markPassiveSince(context.scheduledAt().minus(Duration.ofDays(30)))));
 * }</pre>
 *
 * The worker behaves exactly like a {@link PeriodicBackgroundWorker} subclass.
 */
public final class Workers {

    private Workers() {
    }

    /**
     * Starts a periodic worker.
     *
     * @param name     unique in the cluster (letters, digits, '.', '_' or '-')
     * @param schedule when it runs
     * @return a builder; finish it with {@link Periodic#execute(Work)}
     */
    public static Periodic periodic(String name, Schedule schedule) {
        return new Periodic(WorkerNames.requireValid(name), Objects.requireNonNull(schedule, "schedule"),
                WorkerOptions.defaults());
    }

    /** The work of one slot. */
    @FunctionalInterface
    public interface Work {
        /**
         * Runs one slot.
         *
         * @param context the execution
         * @throws Exception anything; it is logged, notified and counted, and the worker runs again at its next slot
         */
        void run(WorkerContext context) throws Exception;
    }

    /** A periodic worker being defined; immutable. */
    public static final class Periodic {
        private final String name;
        private final Schedule schedule;
        private final WorkerOptions options;

        private Periodic(String name, Schedule schedule, WorkerOptions options) {
            this.name = name;
            this.schedule = schedule;
            this.options = options;
        }

        /**
         * Sets the options.
         *
         * @param options timeout, misfire and crash policies, initial delay
         * @return a builder with these options
         */
        public Periodic options(WorkerOptions options) {
            return new Periodic(name, schedule, Objects.requireNonNull(options, "options"));
        }

        /**
         * Finishes the worker.
         *
         * @param work what each slot runs
         * @return the worker, to add to a manager
         */
        public PeriodicBackgroundWorker execute(Work work) {
            return new LambdaWorker(name, schedule, options, Objects.requireNonNull(work, "work"));
        }
    }

    private static final class LambdaWorker extends PeriodicBackgroundWorker {
        private final Work work;

        LambdaWorker(String name, Schedule schedule, WorkerOptions options, Work work) {
            super(name, schedule, options);
            this.work = work;
        }

        @Override
        protected void doWork(WorkerContext context) throws Exception {
            work.run(context);
        }
    }
}
