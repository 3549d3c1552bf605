package dev.baton.worker;

import java.util.Optional;

/**
 * The bridge to the application's dependency container. Baton opens one scope per execution.
 * {@link ServiceContainer} is a small default; users of Spring, Guice or CDI implement this
 * interface over their own container (a Spring prototype/custom scope, a Guice child injector,
 * a CDI {@code RequestContextController}).
 */
public interface ServiceScopeFactory {

    /** Opens the scope of one execution. */
    ServiceScope openScope();

    /**
     * An application-wide instance of {@code type}, used by
     * {@link BackgroundWorkerManager#add(Class)} to build workers the way the application builds
     * its other components.
     */
    <T> Optional<T> findRoot(Class<T> type);
}
