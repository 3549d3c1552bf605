package dev.baton.worker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default container. No factory runs under a monitor or under a lock shared by all types: a
 * factory that does I/O on an execution's virtual thread must not pin its carrier thread, and two
 * singletons are made side by side. A thread waiting for a singleton that another thread is
 * making checks first that it does not close a dependency cycle across threads.
 */
final class DefaultServiceContainer implements ServiceContainer {

    private static final Logger log = LoggerFactory.getLogger(DefaultServiceContainer.class);

    private final Map<Class<?>, Supplier<?>> singletonFactories;
    private final Map<Class<?>, Function<ServiceScope, ?>> scopedFactories;
    private final Map<Class<?>, CompletableFuture<Object>> singletons = new ConcurrentHashMap<>();
    /** Bookkeeping only (never held while a factory runs): who makes what, who waits for what, in which order. */
    private final ReentrantLock graph = new ReentrantLock();
    private final Map<Class<?>, Thread> makers = new HashMap<>();
    private final Map<Thread, Class<?>> waiting = new HashMap<>();
    private final List<Object> made = new ArrayList<>();

    DefaultServiceContainer(Map<Class<?>, Supplier<?>> singletons, Map<Class<?>, Function<ServiceScope, ?>> scoped) {
        this.singletonFactories = Map.copyOf(singletons);
        this.scopedFactories = Map.copyOf(scoped);
    }

    @Override
    public ServiceScope openScope() {
        return new Scope();
    }

    @Override
    public <T> Optional<T> findRoot(Class<T> type) {
        Supplier<?> factory = singletonFactories.get(type);
        if (factory == null) {
            return Optional.empty();
        }
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> existing = singletons.putIfAbsent(type, mine);
        if (existing == null) {
            return Optional.of(type.cast(make(type, factory, mine)));
        }
        if (!existing.isDone()) {
            awaitMaker(type);
        }
        try {
            return Optional.of(type.cast(existing.join()));
        } finally {
            withGraph(() -> waiting.remove(Thread.currentThread()));
        }
    }

    private Object make(Class<?> type, Supplier<?> factory, CompletableFuture<Object> mine) {
        withGraph(() -> makers.put(type, Thread.currentThread()));
        try {
            Object service = factory.get();
            if (service == null) {
                throw new IllegalStateException("the singleton factory of " + type.getName() + " returned null");
            }
            withGraph(() -> made.add(service));
            mine.complete(service);
            return service;
        } catch (RuntimeException | Error e) {
            singletons.remove(type, mine);
            mine.completeExceptionally(e);
            throw e;
        } finally {
            withGraph(() -> makers.remove(type));
        }
    }

    /** Registers that this thread waits for {@code type}, unless its maker (transitively) waits for this thread. */
    private void awaitMaker(Class<?> type) {
        graph.lock();
        try {
            List<String> chain = new ArrayList<>();
            chain.add(type.getName());
            Thread maker = makers.get(type);
            while (maker != null) {
                if (maker == Thread.currentThread()) {
                    throw new IllegalStateException("dependency cycle while creating " + type.getName() + ": "
                            + chain);
                }
                Class<?> next = waiting.get(maker);
                if (next == null) {
                    break;
                }
                chain.add(next.getName());
                maker = makers.get(next);
            }
            waiting.put(Thread.currentThread(), type);
        } finally {
            graph.unlock();
        }
    }

    private void withGraph(Runnable change) {
        graph.lock();
        try {
            change.run();
        } finally {
            graph.unlock();
        }
    }

    @Override
    public void close() {
        List<Object> toClose;
        graph.lock();
        try {
            toClose = new ArrayList<>(made);
            made.clear();
            singletons.clear();
        } finally {
            graph.unlock();
        }
        closeInReverse(toClose);
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
        private final ReentrantLock lock = new ReentrantLock();
        private boolean closed;

        @Override
        public <T> Optional<T> find(Class<T> type) {
            lock.lock();
            try {
                return findLocked(type);
            } finally {
                lock.unlock();
            }
        }

        private <T> Optional<T> findLocked(Class<T> type) {
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
        public void close() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                closeInReverse(new ArrayList<>(created.values()));
                created.clear();
            } finally {
                lock.unlock();
            }
        }
    }
}
