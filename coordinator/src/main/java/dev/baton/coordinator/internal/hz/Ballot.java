package dev.baton.coordinator.internal.hz;

import java.util.Comparator;
import java.util.Objects;

/** A proposal number for changing the voters: a round, then the proposer's id to break ties. */
record Ballot(long round, String proposer) implements Comparable<Ballot> {

    static final Ballot ZERO = new Ballot(0, "");

    private static final Comparator<Ballot> ORDER = Comparator.comparingLong(Ballot::round)
            .thenComparing(Ballot::proposer);

    Ballot {
        Objects.requireNonNull(proposer, "proposer");
    }

    @Override
    public int compareTo(Ballot other) {
        return ORDER.compare(this, other);
    }

    boolean isAbove(Ballot other) {
        return compareTo(other) > 0;
    }
}
