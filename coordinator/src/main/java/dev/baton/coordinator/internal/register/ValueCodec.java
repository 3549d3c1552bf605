package dev.baton.coordinator.internal.register;

import java.io.IOException;

/** How a register's value is written to its log and read back. */
public interface ValueCodec<V> {

    byte[] encode(V value);

    V decode(byte[] bytes) throws IOException;
}
