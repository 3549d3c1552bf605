package dev.baton.coordinator.internal.register;

import java.util.Objects;

/**
 * A value accepted at a position of a worker's history (its index) under a ballot. A value travels
 * with its ballot wherever it goes (pulls, snapshots), never only as "chosen": a value chosen whose
 * writer died before saying so is known chosen nowhere, and Paxos's rule finds it by its ballot.
 */
public record Accepted<V>(long index, Ballot ballot, V value) {

    public Accepted {
        Objects.requireNonNull(ballot, "ballot");
        Objects.requireNonNull(value, "value");
        if (index < 1) {
            throw new IllegalArgumentException("a worker's history starts at index 1: " + index);
        }
    }

    /** Whether this value stands after {@code other} in an acceptor's order: by index, then by ballot. */
    public boolean isAfter(Accepted<?> other) {
        return other == null || isAfter(other.index, other.ballot);
    }

    public boolean isAfter(long otherIndex, Ballot otherBallot) {
        return index != otherIndex ? index > otherIndex : ballot.isAbove(otherBallot);
    }

    public boolean isAt(long otherIndex, Ballot otherBallot) {
        return index == otherIndex && ballot.equals(otherBallot);
    }
}
