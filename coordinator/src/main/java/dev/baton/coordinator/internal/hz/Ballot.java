package dev.baton.coordinator.internal.hz;

import java.util.Comparator;
import java.util.Objects;

/** A proposal number for changing the voters: a round, then the proposer's id to break ties. */
record Ballot(long round, String proposer) implements Comparable<Ballot> {

    static final Ballot ZERO = new Ballot(0, "");
    /**
     * Promised by an acceptor that may have voted in this decree and forgot it: above every ballot,
     * so that it takes part in no proposal until the next configuration is learned.
     */
    static final Ballot FORGOTTEN = new Ballot(Long.MAX_VALUE, "forgotten");
    private static final char LIFE = '#';

    private static final Comparator<Ballot> ORDER = Comparator.comparingLong(Ballot::round)
            .thenComparing(Ballot::proposer);

    Ballot {
        Objects.requireNonNull(proposer, "proposer");
    }

    @Override
    public int compareTo(Ballot other) {
        return ORDER.compare(this, other);
    }

    /** Whether the proposer names its process life, not only its voter id (releases before resends did not). */
    boolean namesALife() {
        return proposer.indexOf(LIFE) > 0;
    }

    /** The proposer of a ballot: the voter id, then this, then an id of the process life. */
    static String proposerOf(String voterId, String life) {
        return voterId + LIFE + life;
    }

    /** The voter id of the proposer, with or without a process life after it. */
    String proposerVoter() {
        int life = proposer.lastIndexOf(LIFE);
        return life > 0 ? proposer.substring(0, life) : proposer;
    }

    boolean isAbove(Ballot other) {
        return compareTo(other) > 0;
    }
}
