package dev.baton.coordinator.internal.hz;

/**
 * One change a session announces to every member, in order.
 *
 * @param seq    position in the session's sequence
 * @param flag   for RELEASE: the slot did not finish (others may re-run it); for PAUSE: paused
 */
record SessionOp(long seq, Kind kind, String worker, boolean flag) {

    enum Kind {
        /** This session wants the worker's lock; members refuse it while another live session holds it. */
        ACQUIRE,
        /** This session gives the worker's lock back. */
        RELEASE,
        /** This node can run the worker (balance). */
        REGISTER,
        UNREGISTER,
        /** Someone asked for an extra run: tell every engine. */
        TRIGGER,
        /** The worker was paused or resumed: tell every engine. */
        PAUSE
    }
}
