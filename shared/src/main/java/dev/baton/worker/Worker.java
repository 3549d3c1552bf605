package dev.baton.worker;

/**
 * Something a {@link BackgroundWorkerManager} runs: a {@link PeriodicBackgroundWorker} (once per
 * slot across the cluster) or a {@link BackgroundWorker} (continuously, on every node that adds it).
 * Sealed, so that {@link BackgroundWorkerManager#add(Class)} accepts only what it can run.
 */
public sealed interface Worker permits BackgroundWorker, PeriodicBackgroundWorker {

    /** Unique among the workers of a manager; for periodic workers, unique in the cluster. */
    String name();
}
