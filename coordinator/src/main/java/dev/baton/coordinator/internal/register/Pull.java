package dev.baton.coordinator.internal.register;

import java.util.Map;

/**
 * An acceptor's registers as another member pulls them before it accepts a voter change: every
 * value it holds with its ballot, and the voters version it knew when it read them, under the same
 * monitor (a version read apart from the registers could vouch for values it did not cover).
 */
public record Pull<V>(long version, Map<String, Accepted<V>> values) {

    public Pull {
        values = Map.copyOf(values);
    }
}
