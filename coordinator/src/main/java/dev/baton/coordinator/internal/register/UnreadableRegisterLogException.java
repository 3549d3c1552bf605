package dev.baton.coordinator.internal.register;

import java.io.IOException;

/**
 * A register log that cannot be trusted: corrupt before its last record, or of another incarnation
 * of the voter state. Its acceptor forgot something it may have answered, so the process must start
 * as a new voter, never pass for the one that wrote the log.
 */
public final class UnreadableRegisterLogException extends IOException {

    public UnreadableRegisterLogException(String message) {
        super(message);
    }
}
