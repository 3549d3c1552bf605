package dev.baton.worker;

/**
 * A long-running worker that lives as long as the manager runs it, on every node that adds it
 * (ABP's {@code IBackgroundWorker}): a queue consumer, a cache warmer. The manager calls
 * {@link #start()} when it starts (or when the worker is added to a running manager) and
 * {@link #stop()} when the worker is removed or the manager closes.
 */
public interface BackgroundWorker {

    /** Unique among the workers of this manager; defaults to the simple class name. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Starts the work and returns; start your own (named) threads for anything long. */
    void start() throws Exception;

    /** Stops the work; should return within a few seconds. Called once, after a successful start. */
    void stop() throws Exception;
}
