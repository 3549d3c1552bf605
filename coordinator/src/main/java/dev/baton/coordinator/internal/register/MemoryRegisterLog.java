package dev.baton.coordinator.internal.register;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A register log in memory, for simulations: what was written since the last force is lost by
 * {@link #crash()}, as a process's unforced writes are.
 */
public final class MemoryRegisterLog<V> implements RegisterLog<V> {

    private final Map<String, RegisterState<V>> forced = new HashMap<>();
    private final Map<String, RegisterState<V>> pending = new LinkedHashMap<>();

    @Override
    public synchronized void write(String worker, RegisterState<V> state) {
        pending.put(worker, state);
    }

    @Override
    public synchronized void force() {
        forced.putAll(pending);
        pending.clear();
    }

    @Override
    public synchronized Map<String, RegisterState<V>> restore() {
        return Map.copyOf(forced);
    }

    /** Drops what was written and not forced. */
    public synchronized void crash() {
        pending.clear();
    }

    public synchronized boolean hasUnforcedWrites() {
        return !pending.isEmpty();
    }
}
