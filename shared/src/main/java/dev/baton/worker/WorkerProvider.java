package dev.baton.worker;

import java.util.List;

/**
 * Periodic workers for a host that finds them on its class path: the Baton node loads every
 * provider named in {@code META-INF/services/dev.baton.worker.WorkerProvider} with
 * {@link java.util.ServiceLoader} and adds its workers before it starts, beside its own.
 *
 * <pre>{@code
 * public final class ReportWorkers implements WorkerProvider {
 *     public List<PeriodicBackgroundWorker> workers() {
 *         return List.of(new NightlyReportWorker(), new CleanupWorker());
 *     }
 * }
 * }</pre>
 *
 * A provider needs a public no-argument constructor; read what it needs from the environment.
 */
public interface WorkerProvider {

    /** The workers to add; called once, at start-up. Their names must be unique in the cluster. */
    List<PeriodicBackgroundWorker> workers();
}
