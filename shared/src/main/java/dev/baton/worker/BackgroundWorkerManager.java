package dev.baton.worker;

import java.util.List;

/**
 * Runs the workers of one node (ABP's {@code IBackgroundWorkerManager}). Workers can be added and
 * removed at any time, before or after {@link #start()}. Periodic workers are coordinated with
 * the other nodes: each slot runs once across the cluster.
 */
public interface BackgroundWorkerManager extends AutoCloseable {

    /** Adds a periodic worker; its name must be unused on this node. */
    void add(PeriodicBackgroundWorker worker);

    /** Adds a long-running worker, started now if the manager is running. */
    void add(BackgroundWorker worker);

    /**
     * Resolves the worker from the application's container ({@link ServiceScopeFactory#findRoot})
     * and adds it, as ABP's {@code AddBackgroundWorkerAsync<T>()} does.
     *
     * @param workerType a {@link PeriodicBackgroundWorker} or {@link BackgroundWorker} type registered in the container
     */
    void add(Class<? extends Worker> workerType);

    /**
     * Removes a worker from this node: no new slot is started here; a running execution finishes, and
     * so does a slot this node already claimed ahead of its instant (it starts at the instant).
     *
     * @return whether a worker of that name was registered
     */
    boolean remove(String name);

    /** The workers of this node. */
    List<WorkerInfo> list();

    /**
     * Stops claiming new slots of the worker on every node until resumed; a running execution finishes,
     * and so does a slot a node already claimed ahead of its instant (it starts at the instant).
     */
    void pause(String name);

    void resume(String name);

    /** Runs the worker once more as soon as possible (never overlapping a running execution). */
    void trigger(String name);

    /** Starts scheduling; idempotent. */
    void start();

    /**
     * Stops claiming, waits for running executions up to the grace period, interrupts what is
     * left, releases every lease. Idempotent and bounded.
     */
    @Override
    void close();
}
