package dev.baton.coordinator.internal.hz;

/**
 * One change a session announces to every member, in order.
 *
 * @param seq    position in the session's sequence
 * @param flag   for RELEASE: the slot did not finish (others may re-run it); for PAUSE: paused
 * @param token  for PAUSE: the action's token, the record's pause token after it (0: unknown, sent by
 *               an older release): two operators' actions reach a member in either order, and the
 *               engine keeps the one with the higher token
 * @param madeAt for PAUSE: when the action was made, on its maker's cluster clock, in epoch
 *               milliseconds (0: unknown, sent by an older release; the token's time part tells)
 */
record SessionOp(long seq, Kind kind, String worker, boolean flag, long token, long madeAt) {

    SessionOp(long seq, Kind kind, String worker, boolean flag) {
        this(seq, kind, worker, flag, 0, 0);
    }

    /** Whether this change tells every engine something (a trigger, a pause, an orphaned run), not only the locks. */
    boolean isEvent() {
        return kind == Kind.TRIGGER || kind == Kind.PAUSE || (kind == Kind.RELEASE && flag);
    }

    /** The kinds, with codes fixed for the wire (never reuse or renumber one). */
    enum Kind {
        /** This session wants the worker's lock; members refuse it while another live session holds it. */
        ACQUIRE(1),
        /** This session gives the worker's lock back. */
        RELEASE(2),
        /** This node can run the worker (balance). */
        REGISTER(3),
        UNREGISTER(4),
        /** Someone asked for an extra run: tell every engine. */
        TRIGGER(5),
        /** The worker was paused or resumed: tell every engine. */
        PAUSE(6);

        final int code;

        Kind(int code) {
            this.code = code;
        }

        static Kind of(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown session operation code " + code
                    + " (sent by a newer Baton release?)");
        }
    }
}
