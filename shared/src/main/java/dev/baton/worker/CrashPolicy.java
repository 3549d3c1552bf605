package dev.baton.worker;

/**
 * What happens to a slot whose executor died (or lost its lease, or stopped) before recording an
 * outcome; and to a triggered run cut short the same way.
 */
public enum CrashPolicy {
    /**
     * Another node runs the same slot again, with a new fencing token (the default), up to three
     * times; a triggered run cut short is triggered again, as often.
     */
    RERUN,
    /** The slot is recorded as crashed and the worker waits for its next slot; a cut-short trigger is spent. */
    SKIP
}
