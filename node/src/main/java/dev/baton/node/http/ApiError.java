package dev.baton.node.http;

import java.util.Map;

/** A request the API refuses: the status, a message that says what is wrong, and headers to add. */
final class ApiError extends RuntimeException {

    final int status;
    final Map<String, String> headers;

    ApiError(int status, String message) {
        this(status, message, Map.of());
    }

    ApiError(int status, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.headers = headers;
    }

    static ApiError notFound(String what) {
        return new ApiError(404, what);
    }

    static ApiError methodNotAllowed(String method, String allowed) {
        return new ApiError(405, method + " is not allowed here; use " + allowed, Map.of("Allow", allowed));
    }
}
