package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's knowledge of the voters: the committed configuration it knows (and the one before,
 * for the moment both count), and its part, as an acceptor, in agreeing on the next one. Each
 * next configuration is chosen by single-decree Paxos among the current voters, so that two
 * different configurations of one version never both commit.
 *
 * <p>An acceptor accepts a next configuration only once it has known the current one for a
 * whole {@code changeGap} (lease plus margin). A lease that rests on acknowledgements given
 * under configuration v therefore ends before v + 2 can commit: at every moment, valid leases
 * and new grants rest on majorities of at most two adjacent configurations, which always share a
 * voter. See {@code docs/lease-protocol.md}.
 */
final class VoterState {

    private static final Logger log = LoggerFactory.getLogger(VoterState.class);

    /** What an acceptor answers to a prepare. */
    record Promise(boolean promised, Ballot acceptedBallot, Voters acceptedValue, Voters current) {
    }

    private final String nodeId;
    private final java.util.function.Supplier<String> memberUuid;
    private final LongSupplier clock;
    private final long changeGap;
    private final long startedAt;
    private final List<Consumer<Voters>> learners = new ArrayList<>();
    private Voters current = Voters.NONE;
    private Voters previous;
    private long committedAt;
    private boolean createdHere;
    private Ballot promised = Ballot.ZERO;
    private Ballot acceptedBallot;
    private Voters acceptedValue;

    /**
     * @param changeGap how long a configuration must have been known before this member accepts
     *                  the next one; also how long a fresh member waits before its acknowledgements
     *                  count (its previous life may have acknowledged leases that still run)
     */
    VoterState(String nodeId, java.util.function.Supplier<String> memberUuid, LongSupplier clock, long changeGap) {
        this.nodeId = nodeId;
        this.memberUuid = memberUuid;
        this.clock = clock;
        this.changeGap = changeGap;
        this.startedAt = clock.getAsLong();
    }

    String nodeId() {
        return nodeId;
    }

    synchronized void onLearn(Consumer<Voters> learner) {
        learners.add(learner);
    }

    synchronized Voters current() {
        return current;
    }

    /** The configuration before the current one, if this member saw the change happen. */
    synchronized Optional<Voters> previous() {
        return Optional.ofNullable(previous);
    }

    synchronized long committedAt() {
        return committedAt;
    }

    /**
     * Whether this member's acknowledgements may count. A member whose process just started may
     * have had a previous life under the same node id that acknowledged leases still running;
     * it counts only once a lease plus margin has passed, or at once for a lineage it started.
     */
    synchronized boolean warm() {
        return createdHere || clock.getAsLong() - startedAt > changeGap;
    }

    /**
     * Starts a new lineage whose voters are this node and {@code others} (node id to member id),
     * nodes that belong to no lineage yet, unless a configuration is known.
     */
    Voters bootstrap(java.util.Map<String, String> others, long wallMillis) {
        Voters started;
        synchronized (this) {
            if (!current.isNone()) {
                return current;
            }
            java.util.Map<String, String> founders = new java.util.TreeMap<>(others);
            founders.put(nodeId, memberUuid.get());
            started = Voters.bootstrap(founders.keySet(), founders.values(), wallMillis);
            adopt(started, true);
        }
        log.info("Started a new cluster lineage: {}", started);
        notifyLearners(started);
        return started;
    }

    /**
     * Adopts a committed configuration heard from another member, if it is newer in this lineage
     * or belongs to an older lineage (two clusters that met: the older one wins).
     *
     * @return whether it was adopted
     */
    boolean learn(Voters committed) {
        if (committed == null || committed.isNone()) {
            return false;
        }
        Voters was;
        synchronized (this) {
            was = current;
            boolean newer = current.sameLineage(committed) && committed.version() > current.version();
            if (!newer && !current.olderLineage(committed)) {
                return false;
            }
            adopt(committed, false);
        }
        if (!was.isNone() && !was.sameLineage(committed)) {
            log.warn("Two cluster lineages met; joining the older one: {} replaces {}", committed, was);
        } else {
            log.info("Voters changed: {}", committed);
        }
        notifyLearners(committed);
        return true;
    }

    private void adopt(Voters next, boolean created) {
        // This very process founded the lineage (or was there when it was founded): no earlier life of it counted.
        boolean founder = next.version() == 1 && next.founders().contains(memberUuid.get());
        createdHere = created || founder || (createdHere && current.sameLineage(next));
        previous = current.isSuccessor(next) ? current : null;
        current = next;
        committedAt = clock.getAsLong();
        promised = Ballot.ZERO;
        acceptedBallot = null;
        acceptedValue = null;
    }

    private void notifyLearners(Voters voters) {
        List<Consumer<Voters>> copy;
        synchronized (this) {
            copy = List.copyOf(learners);
        }
        copy.forEach(l -> l.accept(voters));
    }

    /** Paxos phase 1: promise to ignore lower ballots for the configuration after {@code version}. */
    synchronized Promise prepare(String lineage, long version, Ballot ballot) {
        if (!current.lineage().equals(lineage) || current.version() != version || !current.contains(nodeId)) {
            return new Promise(false, null, null, current);
        }
        if (!ballot.isAbove(promised)) {
            return new Promise(false, null, null, current);
        }
        promised = ballot;
        return new Promise(true, acceptedBallot, acceptedValue, current);
    }

    /** Paxos phase 2: accepts {@code value} as the configuration after {@code version}, if allowed. */
    synchronized boolean accept(String lineage, long version, Ballot ballot, Voters value) {
        if (!current.lineage().equals(lineage) || current.version() != version || !current.contains(nodeId)
                || !current.isSuccessor(value) || promised.isAbove(ballot)) {
            return false;
        }
        if (clock.getAsLong() - committedAt < changeGap) {
            return false;
        }
        promised = ballot;
        acceptedBallot = ballot;
        acceptedValue = value;
        return true;
    }

    /** The highest round this member has promised, so that a proposer can go above it. */
    synchronized long promisedRound() {
        return promised.round();
    }

    /** Whether enough time has passed since the last change for voters to accept the next one. */
    synchronized boolean changeAllowed() {
        return !current.isNone() && clock.getAsLong() - committedAt >= changeGap;
    }
}
