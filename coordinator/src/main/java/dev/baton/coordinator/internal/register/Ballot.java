package dev.baton.coordinator.internal.register;

import java.util.Comparator;
import java.util.Objects;

/**
 * A Paxos ballot: a round, then the proposing session's id, so that two sessions never propose
 * under one ballot.
 */
public record Ballot(long round, String session) implements Comparable<Ballot> {

    /** Below every ballot a session proposes under: what an acceptor has promised before any prepare. */
    public static final Ballot ZERO = new Ballot(0, "");

    private static final Comparator<Ballot> ORDER =
            Comparator.comparingLong(Ballot::round).thenComparing(Ballot::session);

    public Ballot {
        Objects.requireNonNull(session, "session");
        if (round < 0) {
            throw new IllegalArgumentException("a ballot's round is never negative: " + round);
        }
    }

    /** The smallest ballot of {@code session} above this one. */
    public Ballot next(String session) {
        return new Ballot(round + 1, session);
    }

    public boolean isAbove(Ballot other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Ballot other) {
        return ORDER.compare(this, other);
    }
}
