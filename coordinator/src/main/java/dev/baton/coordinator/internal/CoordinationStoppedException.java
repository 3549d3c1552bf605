package dev.baton.coordinator.internal;

/**
 * A coordination can serve nothing more because what it runs on stopped under it (a Hazelcast
 * member shut down before the worker manager). The coordination reports the stop once (unless it
 * was closed first, when there is nothing to report); a worker that meets it says nothing more.
 */
public final class CoordinationStoppedException extends IllegalStateException {

    public CoordinationStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
