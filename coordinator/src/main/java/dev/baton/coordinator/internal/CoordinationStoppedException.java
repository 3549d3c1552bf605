package dev.baton.coordinator.internal;

/**
 * A coordination can serve nothing more because what it runs on stopped under it (a Hazelcast
 * member shut down before the worker manager). The coordination reports that once; a worker that
 * meets it at every slot says nothing more.
 */
public final class CoordinationStoppedException extends IllegalStateException {

    public CoordinationStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
