package dev.baton.node.users;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repository one execution uses: scoped, so each execution gets its own, closed when the
 * execution ends (where a real one would return its connection to the pool).
 */
public final class UserRepository implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UserRepository.class);

    private final UserStore store;
    private boolean closed;

    public UserRepository(UserStore store) {
        this.store = store;
    }

    public int markPassiveUsersNotLoggedInSince(Instant cutoff, long fencingToken) {
        if (closed) {
            throw new IllegalStateException("this repository's scope has ended");
        }
        return store.markPassiveBefore(cutoff, fencingToken);
    }

    @Override
    public void close() {
        closed = true;
        log.debug("User repository closed");
    }
}
