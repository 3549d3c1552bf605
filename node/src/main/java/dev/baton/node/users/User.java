package dev.baton.node.users;

import java.time.Instant;

/** A user of the demo application. */
public record User(String id, String name, Instant lastLoginAt, Status status, long statusFence) {

    public enum Status { ACTIVE, PASSIVE }

    User loggedIn(Instant at) {
        return new User(id, name, at, Status.ACTIVE, statusFence);
    }

    User passive(long fence) {
        return new User(id, name, lastLoginAt, Status.PASSIVE, fence);
    }
}
