package dev.baton.node.http;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * Guards the mutating endpoints: a bearer token that must match {@code BATON_ADMIN_TOKEN},
 * compared in constant time. Without a configured token every admin request is refused: the
 * API is never open by accident.
 */
final class AdminAuth {

    private final Optional<byte[]> token;

    AdminAuth(Optional<String> token) {
        this.token = token.filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    void check(HttpExchange exchange) {
        if (token.isEmpty()) {
            throw new ApiError(403, "admin actions are disabled on this node: set BATON_ADMIN_TOKEN to enable them");
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "this action needs the header 'Authorization: Bearer <BATON_ADMIN_TOKEN>'",
                    Map.of("WWW-Authenticate", "Bearer realm=\"baton\""));
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token.get())) {
            throw new ApiError(401, "the bearer token does not match BATON_ADMIN_TOKEN",
                    Map.of("WWW-Authenticate", "Bearer realm=\"baton\", error=\"invalid_token\""));
        }
    }
}
