package dev.baton.worker;

/**
 * A long-running worker that lives as long as the manager runs it, on every node that adds it
 * (ABP's {@code IBackgroundWorker}): a queue consumer, a cache warmer. The manager calls
 * {@link #start()} when it starts (or when the worker is added to a running manager) and
 * {@link #stop()} when the worker is removed or the manager closes.
 */
public non-sealed interface BackgroundWorker extends Worker {

    /**
     * Unique among the workers of this manager; defaults to the simple class name.
     *
     * @return the name
     */
    @Override
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Starts the work and returns; start your own (named) threads for anything long.
     *
     * @throws Exception if the worker cannot start; it is logged and the worker stays stopped
     */
    void start() throws Exception;

    /**
     * Stops the work; should return within a few seconds. Called once, after a successful start.
     *
     * @throws Exception if stopping fails; it is logged
     */
    void stop() throws Exception;
}
