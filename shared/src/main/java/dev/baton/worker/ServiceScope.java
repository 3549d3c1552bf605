package dev.baton.worker;

import java.util.Optional;

/**
 * The services of one execution. Scoped services are created on first use and, if they are
 * {@link AutoCloseable}, closed in reverse order of creation when the scope closes. Single-use:
 * a closed scope refuses further lookups.
 */
public interface ServiceScope extends AutoCloseable {

    /** The service of that type, or an exception that names the type if none is registered. */
    default <T> T get(Class<T> type) {
        return find(type).orElseThrow(() -> new IllegalStateException("no service of type " + type.getName()
                + " is registered; register it with ServiceContainer.builder().singleton(...) or .scoped(...),"
                + " or in your own container"));
    }

    <T> Optional<T> find(Class<T> type);

    /** Closes what the scope created, in reverse order; idempotent. */
    @Override
    void close();
}
