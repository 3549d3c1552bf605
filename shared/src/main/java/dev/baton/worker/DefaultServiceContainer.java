package dev.baton.worker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class DefaultServiceContainer implements ServiceContainer {

    private static final Logger log = LoggerFactory.getLogger(DefaultServiceContainer.class);

    private final Map<Class<?>, Supplier<?>> singletonFactories;
    private final Map<Class<?>, Function<ServiceScope, ?>> scopedFactories;
    private final Map<Class<?>, Object> singletons = new LinkedHashMap<>();
    private final List<Class<?>> creating = new ArrayList<>();

    DefaultServiceContainer(Map<Class<?>, Supplier<?>> singletons, Map<Class<?>, Function<ServiceScope, ?>> scoped) {
        this.singletonFactories = Map.copyOf(singletons);
        this.scopedFactories = Map.copyOf(scoped);
    }

    @Override
    public ServiceScope openScope() {
        return new Scope();
    }

    @Override
    public synchronized <T> Optional<T> findRoot(Class<T> type) {
        Supplier<?> factory = singletonFactories.get(type);
        if (factory == null) {
            return Optional.empty();
        }
        Object existing = singletons.get(type);
        if (existing == null) {
            guardCycle(creating, type);
            try {
                existing = factory.get();
            } finally {
                creating.remove(type);
            }
            if (existing == null) {
                throw new IllegalStateException("the singleton factory of " + type.getName() + " returned null");
            }
            singletons.put(type, existing);
        }
        return Optional.of(type.cast(existing));
    }

    @Override
    public synchronized void close() {
        closeInReverse(new ArrayList<>(singletons.values()));
        singletons.clear();
    }

    private static void guardCycle(List<Class<?>> creating, Class<?> type) {
        if (creating.contains(type)) {
            throw new IllegalStateException("dependency cycle while creating " + type.getName() + ": " + creating);
        }
        creating.add(type);
    }

    static void closeInReverse(List<Object> created) {
        List<Object> reversed = new ArrayList<>(created);
        Collections.reverse(reversed);
        for (Object service : reversed) {
            if (service instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    log.warn("Closing {} failed; continuing with the other services", service.getClass().getName(), e);
                }
            }
        }
    }

    private final class Scope implements ServiceScope {
        private final Map<Class<?>, Object> created = new LinkedHashMap<>();
        private final List<Class<?>> creatingHere = new ArrayList<>();
        private boolean closed;

        @Override
        public synchronized <T> Optional<T> find(Class<T> type) {
            if (closed) {
                throw new IllegalStateException("this execution's scope is closed; services cannot be used after"
                        + " the execution ended");
            }
            Function<ServiceScope, ?> factory = scopedFactories.get(type);
            if (factory == null) {
                return findRoot(type);
            }
            Object existing = created.get(type);
            if (existing == null) {
                guardCycle(creatingHere, type);
                try {
                    existing = factory.apply(this);
                } finally {
                    creatingHere.remove(type);
                }
                if (existing == null) {
                    throw new IllegalStateException("the scoped factory of " + type.getName() + " returned null");
                }
                created.put(type, existing);
            }
            return Optional.of(type.cast(existing));
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            closeInReverse(new ArrayList<>(created.values()));
            created.clear();
        }
    }
}
