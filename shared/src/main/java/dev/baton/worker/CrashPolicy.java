package dev.baton.worker;

/** What happens to a slot whose executor died (or lost its lease) before recording an outcome. */
public enum CrashPolicy {
    /** Another node runs the same slot again, with a new fencing token (the default). */
    RERUN,
    /** The slot is recorded as crashed and the worker waits for its next slot. */
    SKIP
}
