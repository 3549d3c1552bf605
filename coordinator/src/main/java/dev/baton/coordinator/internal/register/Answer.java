package dev.baton.coordinator.internal.register;

/**
 * An acceptor's answer to one register operation, with its state as of that operation.
 *
 * @param kind     what the acceptor did
 * @param version  the voters version the acceptor knew when it applied the operation: the answer counts
 *                 only towards a majority of that version's voters
 * @param promised the ballot it has promised, after the operation
 * @param accepted the last value it holds (accepted, or installed from another acceptor), or null
 * @param chosen   the last value it knows chosen, or null
 */
public record Answer<V>(Kind kind, long version, Ballot promised, Accepted<V> accepted, Accepted<V> chosen) {

    public enum Kind {
        /** A prepare promised: {@code accepted} is what the proposer must take into account. */
        PROMISED,
        /** An accept taken, now or when the same operation came before. */
        ACCEPTED,
        /** A higher ballot was promised: {@code promised} names it. */
        REFUSED_BALLOT,
        /**
         * The accept's ballot was established under a voters version more than one below the acceptor's:
         * a promise made under version v does not bind the acceptors of v + 2, so the proposer prepares again.
         */
        REFUSED_VERSION,
        /** The acceptor holds a later value (a later index, or this index under a higher ballot). */
        SUPERSEDED
    }

    public boolean isSupport() {
        return kind == Kind.PROMISED || kind == Kind.ACCEPTED;
    }
}
