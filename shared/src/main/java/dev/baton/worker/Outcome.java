package dev.baton.worker;

/** How one execution ended. */
public enum Outcome {
    /** {@code doWork} returned normally. */
    SUCCEEDED,
    /** {@code doWork} threw; the exception was logged and notified. */
    FAILED,
    /** The execution ran past its timeout and was interrupted. */
    TIMED_OUT,
    /** The lease was lost (partition, pause, expiry) and the execution was interrupted. */
    LEASE_LOST,
    /** The manager shut down and interrupted the execution. */
    INTERRUPTED,
    /** The executor died before recording an outcome; seen by the node that took the worker over. */
    CRASHED;

    /**
     * Whether the slot counts as done. A lost lease, a crash and an interrupt by shutdown leave it
     * open, for a re-run elsewhere (unless the worker's {@link CrashPolicy} is {@code SKIP}).
     *
     * @return false for {@link #LEASE_LOST}, {@link #CRASHED} and {@link #INTERRUPTED}
     */
    public boolean closesSlot() {
        return this != LEASE_LOST && this != CRASHED && this != INTERRUPTED;
    }
}
