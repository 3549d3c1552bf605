package dev.baton.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;

/**
 * A bean made once per Baton execution and destroyed when the execution ends (its
 * {@code @PreDestroy} and {@code close()} run then), ABP's per-execution scope in Spring terms.
 * Injected into longer-lived beans, such as workers, through a proxy that finds the current
 * execution's instance; used outside an execution, it throws.
 *
 * <pre>{@code
 * @Component
 * @ExecutionScoped
 * class UnitOfWork implements AutoCloseable { ... }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Scope(value = ExecutionScoped.NAME, proxyMode = ScopedProxyMode.TARGET_CLASS)
public @interface ExecutionScoped {

    /** The scope's name, for {@code @Scope("baton-execution")}. */
    String NAME = "baton-execution";
}
