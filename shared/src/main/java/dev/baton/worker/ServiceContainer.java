package dev.baton.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Baton's small default container: singletons, and scoped services created lazily once per
 * execution scope. For anything bigger, implement {@link ServiceScopeFactory} over your own
 * container.
 *
 * <pre>{@code
 * ServiceContainer services = ServiceContainer.builder()
 *         .singleton(Clock.class, Clock.systemUTC())
 *         .scoped(UserRepository.class, scope -> new UserRepository(dataSource, scope.get(Clock.class)))
 *         .build();
 * }</pre>
 */
public interface ServiceContainer extends ServiceScopeFactory, AutoCloseable {

    static Builder builder() {
        return new Builder();
    }

    /** Closes the singletons that are {@link AutoCloseable}, in reverse order of registration. */
    @Override
    void close();

    /** Registrations; a type may be registered once. */
    final class Builder {
        private final Map<Class<?>, Supplier<?>> singletons = new LinkedHashMap<>();
        private final Map<Class<?>, Function<ServiceScope, ?>> scoped = new LinkedHashMap<>();

        private Builder() {
        }

        /** One instance for the whole application. */
        public <T> Builder singleton(Class<T> type, T instance) {
            Objects.requireNonNull(instance, "instance");
            return lazySingleton(type, () -> instance);
        }

        /** One instance for the whole application, created on first use. */
        public <T> Builder lazySingleton(Class<T> type, Supplier<? extends T> factory) {
            checkNew(type);
            singletons.put(type, Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** One instance per execution scope, created on first use and closed with the scope. */
        public <T> Builder scoped(Class<T> type, Function<ServiceScope, ? extends T> factory) {
            checkNew(type);
            scoped.put(type, Objects.requireNonNull(factory, "factory"));
            return this;
        }

        public ServiceContainer build() {
            return new DefaultServiceContainer(singletons, scoped);
        }

        private void checkNew(Class<?> type) {
            Objects.requireNonNull(type, "type");
            if (singletons.containsKey(type) || scoped.containsKey(type)) {
                throw new IllegalArgumentException(type.getName() + " is already registered; register each type once");
            }
        }
    }
}
