package dev.baton.coordinator.internal.register;

import java.util.Map;

/**
 * Where an acceptor's registers survive a restart. Paxos needs acceptors that never forget what
 * they promised and accepted, so an acceptor answers only what {@link #force()} has made durable.
 */
public interface RegisterLog<V> {

    /** Records a register's new state; durable only after the next {@link #force()}. */
    void write(String worker, RegisterState<V> state);

    /** Makes everything written so far durable. */
    void force();

    /** The last forced state of every register written. */
    Map<String, RegisterState<V>> restore();

    /**
     * Rewrites the log with each register's last state once it has grown well past it (a log in memory
     * has nothing to do). Called by the thread that forces, after the answers of a force went out.
     */
    default void compactIfDue() {
    }
}
