package dev.baton.coordinator.internal.hz;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where a process keeps what it promised and accepted as a voter, so that after a crash it can
 * come back as the same voter. Paxos is safe only if an acceptor never forgets; a process with no
 * store (or whose store was lost) is a new voter, which the others add and whose earlier life they
 * remove.
 */
interface VoterStore extends AutoCloseable {

    /**
     * What a voter must not forget.
     *
     * @param fenceCeiling milliseconds above every fencing token's time part this node issued or saw
     * @param left         what it promised and accepted in the lineages it left, in case it returns
     */
    record Saved(String incarnation, Voters current, Ballot promised, Ballot acceptedBallot, Voters acceptedValue,
                 long fenceCeiling, List<Left> left) {

        public Saved {
            left = List.copyOf(left);
        }

        public Saved(String incarnation, Voters current, Ballot promised, Ballot acceptedBallot, Voters acceptedValue,
                     long fenceCeiling) {
            this(incarnation, current, promised, acceptedBallot, acceptedValue, fenceCeiling, List.of());
        }
    }

    /**
     * An acceptor's part in a lineage it left: the version it knew last, and what it promised and
     * accepted for the change after it.
     */
    record Left(String lineage, long version, Ballot promised, Ballot acceptedBallot, Voters acceptedValue) {
    }

    /** Nothing is kept: every process is a new voter. */
    VoterStore NONE = new VoterStore() {
        @Override
        public Optional<Saved> load() {
            return Optional.empty();
        }

        @Override
        public void save(Saved saved) {
        }

        @Override
        public boolean durable() {
            return false;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "no voter store";
        }
    };

    /** The state the last process of this node left, if any could be read. */
    Optional<Saved> load();

    /** Keeps {@code saved} durably before returning: an answer given after it is never forgotten. */
    void save(Saved saved) throws IOException;

    /** Whether what is saved outlives the process. */
    boolean durable();

    /**
     * Whether the voter kept here keeps a register log too (read with {@link #load}): a voter file that
     * says so and finds no log belongs to an acceptor that forgot.
     */
    default boolean keepsRegisters() {
        return false;
    }

    /** Says (durably, in the voter file itself) whether the voter kept here keeps a register log. */
    default void keepsRegisters(boolean keeps) throws IOException {
    }

    @Override
    void close();
}
