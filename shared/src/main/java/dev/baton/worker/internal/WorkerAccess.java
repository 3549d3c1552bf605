package dev.baton.worker.internal;

import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.WorkerContext;

/**
 * The engine's way in to a worker's {@code doWork}, which is protected so that application code
 * cannot run a slot outside the engine (no lease, no scope, no fencing token). Not API: the module
 * exports this package to the engine only, and on the class path the architecture test keeps
 * application code out of {@code internal} packages.
 */
public final class WorkerAccess {

    /** Runs a worker's {@code doWork}; installed once, by {@link PeriodicBackgroundWorker} itself. */
    @FunctionalInterface
    public interface Runner {
        /**
         * Runs one slot of {@code worker}.
         *
         * @param worker  the worker
         * @param context the execution
         * @throws Exception whatever {@code doWork} throws
         */
        void run(PeriodicBackgroundWorker worker, WorkerContext context) throws Exception;
    }

    private static volatile Runner runner;

    private WorkerAccess() {
    }

    /**
     * Installs the runner; called by {@link PeriodicBackgroundWorker}'s class initialisation, once.
     *
     * @param first the runner
     */
    public static synchronized void install(Runner first) {
        if (runner != null) {
            throw new IllegalStateException("the worker runner is installed already; it is Baton's, not to replace");
        }
        runner = first;
    }

    /**
     * Runs one slot of {@code worker} on the calling thread.
     *
     * @param worker  the worker; its class initialisation installed the runner
     * @param context the execution
     * @throws Exception whatever {@code doWork} throws
     */
    public static void execute(PeriodicBackgroundWorker worker, WorkerContext context) throws Exception {
        runner.run(worker, context);
    }
}
