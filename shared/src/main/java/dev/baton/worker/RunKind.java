package dev.baton.worker;

/** Why an execution ran. */
public enum RunKind {
    /** A regular slot of the schedule. */
    SCHEDULED,
    /** An extra run someone asked for. */
    TRIGGERED,
    /** The same slot again: its first execution crashed, lost its lease or was interrupted. */
    RERUN,
    /** A slot the previous node of the worker missed when it died or left, run late by its successor. */
    CATCH_UP;

    /** Whether this run took work over from another node. */
    public boolean isFailover() {
        return this == RERUN || this == CATCH_UP;
    }
}
