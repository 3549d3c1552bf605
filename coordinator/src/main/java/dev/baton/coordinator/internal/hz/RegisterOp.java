package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Operation;

/**
 * A register operation as a session sends it to a member, riding on a {@link SessionMessage}.
 *
 * @param number    the session's count of register operations it sent, in sending order: a member says
 *                  in its reply how far it received them, and the session sends again only what it did not
 * @param afterSeq  the session's lock change this operation follows: the member judges whether the session
 *                  holds the worker there, so that an end followed by its release is judged before the
 *                  release hands the lock over
 * @param operation the operation itself, a worker's record as its value
 */
record RegisterOp(long number, long afterSeq, Operation<SlotState> operation) {
}
