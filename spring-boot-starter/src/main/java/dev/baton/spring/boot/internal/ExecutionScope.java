package dev.baton.spring.boot.internal;

import dev.baton.spring.boot.ExecutionScoped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.Scope;

/**
 * The {@code baton-execution} scope: beans live in the execution that is current on the calling
 * thread (Baton opens and closes an execution's scope on the execution's own thread).
 */
public final class ExecutionScope implements Scope {

    private static final Logger log = LoggerFactory.getLogger(ExecutionScope.class);
    private static final ThreadLocal<Beans> CURRENT = new ThreadLocal<>();

    /** The beans of one execution, destroyed in reverse order of creation. */
    static final class Beans {
        private final Map<String, Object> beans = new LinkedHashMap<>();
        private final Map<String, Runnable> destroyers = new LinkedHashMap<>();
        private final String id = Integer.toHexString(System.identityHashCode(this));

        void destroy() {
            List<Map.Entry<String, Runnable>> callbacks = new ArrayList<>(destroyers.entrySet());
            Collections.reverse(callbacks);
            for (Map.Entry<String, Runnable> callback : callbacks) {
                try {
                    callback.getValue().run();
                } catch (RuntimeException e) {
                    log.warn("Destroying the execution-scoped bean {} failed; going on with the others",
                            callback.getKey(), e);
                }
            }
            destroyers.clear();
            beans.clear();
        }
    }

    static Beans open() {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("an execution scope is already open on this thread");
        }
        Beans beans = new Beans();
        CURRENT.set(beans);
        return beans;
    }

    static void close(Beans beans) {
        try {
            beans.destroy();
        } finally {
            if (CURRENT.get() == beans) {
                CURRENT.remove();
            }
        }
    }

    private static Beans current() {
        Beans beans = CURRENT.get();
        if (beans == null) {
            throw new IllegalStateException("no Baton execution runs on this thread: beans of scope '"
                    + ExecutionScoped.NAME + "' exist only while a worker executes, on the execution's thread");
        }
        return beans;
    }

    @Override
    public Object get(String name, ObjectFactory<?> objectFactory) {
        Beans beans = current();
        Object bean = beans.beans.get(name);
        if (bean == null) {
            // Not computeIfAbsent: making this bean may make other beans of this scope.
            bean = objectFactory.getObject();
            beans.beans.put(name, bean);
        }
        return bean;
    }

    @Override
    public Object remove(String name) {
        Beans beans = current();
        beans.destroyers.remove(name);
        return beans.beans.remove(name);
    }

    @Override
    public void registerDestructionCallback(String name, Runnable callback) {
        current().destroyers.put(name, callback);
    }

    @Override
    public Object resolveContextualObject(String key) {
        return null;
    }

    @Override
    public String getConversationId() {
        Beans beans = CURRENT.get();
        return beans == null ? null : beans.id;
    }
}
