package dev.baton.spring.boot.internal;

import dev.baton.worker.ServiceScope;
import dev.baton.worker.ServiceScopeFactory;
import java.util.Optional;
import org.springframework.beans.factory.ListableBeanFactory;

/**
 * Baton's scopes over the application context: each execution opens a {@code baton-execution}
 * scope, and {@code context.services().get(Type.class)} finds the application's beans.
 */
public final class SpringServiceScopes implements ServiceScopeFactory {

    private final ListableBeanFactory beans;

    /**
     * Scopes over an application context.
     *
     * @param beans the context's bean factory
     */
    public SpringServiceScopes(ListableBeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public ServiceScope openScope() {
        return new Scope(ExecutionScope.open());
    }

    @Override
    public <T> Optional<T> findRoot(Class<T> type) {
        return Optional.ofNullable(beans.getBeanProvider(type).getIfAvailable());
    }

    private final class Scope implements ServiceScope {
        private final ExecutionScope.Beans opened;
        private boolean closed;

        Scope(ExecutionScope.Beans opened) {
            this.opened = opened;
        }

        @Override
        public <T> Optional<T> find(Class<T> type) {
            if (closed) {
                throw new IllegalStateException("this execution's scope is closed; services cannot be used after"
                        + " the execution ended");
            }
            return findRoot(type);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ExecutionScope.close(opened);
            }
        }
    }
}
