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

    /** Whether the slot counts as done: only a lost lease or a crash leaves it open for a re-run. */
    public boolean closesSlot() {
        return this != LEASE_LOST && this != CRASHED && this != INTERRUPTED;
    }
}
