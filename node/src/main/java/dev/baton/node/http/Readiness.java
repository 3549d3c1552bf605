package dev.baton.node.http;

import java.util.Optional;

/** Why the node is not ready, if it is not. */
@FunctionalInterface
public interface Readiness {

    /** Empty when ready; otherwise the reason, for the 503 response. */
    Optional<String> notReadyBecause();
}
