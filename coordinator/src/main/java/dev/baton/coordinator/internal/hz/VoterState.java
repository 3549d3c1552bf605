package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.Collection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's knowledge of the voters: the committed configuration it knows (and the one before,
 * for the moment both count), and its part, as an acceptor, in agreeing on the next one. Each
 * next configuration is chosen by single-decree Paxos among the current voters, so that two
 * different configurations of one version never both commit.
 *
 * <p>A voter is one process: its node id and a random incarnation ({@code n1@3fa2c901}). What it
 * promised, accepted and learned is kept in a {@link VoterStore} before it answers; a process
 * that finds its node's state there resumes as the same voter, one that does not is a new voter,
 * which cannot speak for the one before: the others remove that one (at once when the same node
 * id is back as a voter, after the removal delay otherwise). A resumed voter's lock table is
 * empty, so its answers count for leases only after a lease plus margin: by then every lease its
 * earlier life supported has ended.
 *
 * <p>An acceptor accepts a next configuration only once it has known the current one for a
 * whole {@code changeGap} (lease plus margin). A lease that rests on acknowledgements given
 * under configuration v therefore ends before v + 2 can commit: at every moment, valid leases
 * and new grants rest on majorities of at most two adjacent configurations, which always share a
 * voter. See {@code docs/lease-protocol.md}.
 */
final class VoterState {

    private static final Logger log = LoggerFactory.getLogger(VoterState.class);
    /** Lineages left whose promises are kept; a fleet sees a handful in its life, each a merge of two clusters. */
    private static final int LINEAGES_KEPT = 16;

    /**
     * Whether this member may accept the change after {@code current} (version v + 1): with worker
     * registers, only once it holds what every majority of v accepted ({@link VoterPulls}).
     */
    interface ChangeGate {
        ChangeGate OPEN = current -> true;

        boolean open(Voters current);
    }

    /** What an acceptor answers to a prepare. */
    record Promise(boolean promised, Ballot acceptedBallot, Voters acceptedValue, Voters current) {
    }

    private final String nodeId;
    private final String voterId;
    private final LongSupplier clock;
    private final long changeGap;
    private final RandomGenerator random;
    private final VoterStore store;
    private final long startedAt;
    /** Until then this process's answers do not count for leases (see {@link #warm}). */
    private volatile long coldUntil = Long.MIN_VALUE;
    private final List<Consumer<Voters>> learners = new ArrayList<>();
    private volatile ChangeGate gate = ChangeGate.OPEN;
    // Read by every claim, renewal and reply without the lock (written under it): a snapshot each,
    // as the synchronized getters gave, without queueing claims behind the acceptor's disk writes.
    private volatile Voters current = Voters.NONE;
    /** The configuration last kept in the store: what this process would resume with after a crash. */
    private volatile Voters kept = Voters.NONE;
    private volatile Voters previous;
    private long committedAt;
    private Ballot promised = Ballot.ZERO;
    private Ballot acceptedBallot;
    private Voters acceptedValue;
    private long fenceCeiling;
    /**
     * The ceiling known to be on disk, for claims to check without the lock; {@code fenceCeiling}
     * runs ahead of it while a write is under way, and a claim must not go ahead on that.
     */
    private volatile long savedCeiling;
    /** The acceptor's part in the lineages this member left, latest last (see {@link #adopt}). */
    private final Map<String, VoterStore.Left> left = new LinkedHashMap<>();
    /** Lineages heard of that rank below this member's, most recent last: their processes are moving here. */
    private final Set<String> outranked = new LinkedHashSet<>();
    private long nextCeilingWrite = Long.MIN_VALUE;
    private long nextStoreWarning = Long.MIN_VALUE;

    /**
     * @param changeGap how long a configuration must have been known before this member accepts
     *                  the next one (lease plus margin)
     */
    VoterState(String nodeId, LongSupplier clock, long changeGap) {
        this(nodeId, null, clock, changeGap, RandomGenerator.getDefault(), VoterStore.NONE);
    }

    VoterState(String nodeId, String incarnation, LongSupplier clock, long changeGap) {
        this(nodeId, incarnation, clock, changeGap, RandomGenerator.getDefault(), VoterStore.NONE);
    }

    /**
     * @param incarnation this process's incarnation when it has no saved one, or null to draw one
     * @param random      draws the incarnation and the tag of a lineage this process founds
     * @param store       where this node's voter state is kept across restarts
     */
    VoterState(String nodeId, String incarnation, LongSupplier clock, long changeGap, RandomGenerator random,
               VoterStore store) {
        this.nodeId = nodeId;
        this.clock = clock;
        this.changeGap = changeGap;
        this.random = random;
        this.store = store;
        this.startedAt = clock.getAsLong();
        Optional<VoterStore.Saved> saved = store.load();
        if (saved.isPresent()) {
            this.coldUntil = startedAt + changeGap;
            VoterStore.Saved s = saved.get();
            this.voterId = Voters.voterId(nodeId, s.incarnation());
            this.current = s.current();
            this.kept = current;
            this.committedAt = startedAt;
            this.promised = s.promised();
            this.acceptedBallot = s.acceptedBallot();
            this.acceptedValue = s.acceptedValue();
            this.fenceCeiling = s.fenceCeiling();
            this.savedCeiling = fenceCeiling;
            s.left().forEach(l -> left.put(l.lineage(), l));
            log.info("Resumed as voter {} ({}) from {}", voterId, current, store);
        } else {
            this.voterId = Voters.voterId(nodeId,
                    incarnation != null ? incarnation : HexFormat.of().toHexDigits(random.nextInt()));
            try {
                store.save(snapshot());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep this node's voter state in " + store, e);
            }
        }
    }

    String nodeId() {
        return nodeId;
    }

    /** This process as a voter: its node id and its incarnation. */
    String voterId() {
        return voterId;
    }

    /**
     * Whether this process's answers count for leases: at once for a new voter; for one that resumed
     * a saved identity, or that moved to another lineage, once a lease plus margin have passed since.
     * Its table lacks the locks granted before (in its earlier life, or in the lineage it left, whose
     * leases rest on voters an operator's reset gave up for gone), and those leases end by then.
     */
    boolean warm() {
        return clock.getAsLong() >= coldUntil;
    }

    private VoterStore.Saved snapshot() {
        return new VoterStore.Saved(voterId.substring(nodeId.length() + 1), current, promised, acceptedBallot,
                acceptedValue, fenceCeiling, List.copyOf(left.values()));
    }

    /**
     * Milliseconds above the time part of every fencing token this node issued or saw before it
     * restarted (0 for a new node): its first tokens go above it, whatever the clocks say now.
     */
    synchronized long fenceCeiling() {
        return fenceCeiling;
    }

    /**
     * Makes sure the saved ceiling lies above {@code millis}, the time part of a token this node
     * issues or has seen, keeping it {@code reserve} ahead so that the disk is written about once per
     * half reserve, not per token. A disk that fails costs no claim: the ceiling stays where it was
     * last saved (only a whole-cluster restart under clocks minutes apart could then see tokens go
     * back), and the write is tried again a while later.
     */
    void coverFences(long millis, long reserve) {
        if (!store.durable() || millis + reserve / 2 < savedCeiling) {
            return;
        }
        synchronized (this) {
            coverFencesLocked(millis, reserve);
        }
    }

    private void coverFencesLocked(long millis, long reserve) {
        if (millis + reserve / 2 < fenceCeiling || clock.getAsLong() < nextCeilingWrite) {
            return;
        }
        long before = fenceCeiling;
        fenceCeiling = millis + reserve;
        if (persist()) {
            savedCeiling = fenceCeiling;
        } else {
            fenceCeiling = before;
            nextCeilingWrite = clock.getAsLong() + changeGap / 5;
        }
    }

    /** Keeps the state before an answer that depends on it goes out; false if it could not be kept. */
    private boolean persist() {
        try {
            Voters saving = current;
            store.save(snapshot());
            kept = saving;
            return true;
        } catch (IOException | RuntimeException e) {
            long now = clock.getAsLong();
            if (now >= nextStoreWarning) {
                nextStoreWarning = now + changeGap * 10;
                log.warn("Cannot keep this node's voter state in {} ({}); refusing to promise or accept until it"
                        + " can, and the fence ceiling stays where it was last kept (said once a minute or so)",
                        store, e.toString());
            } else {
                log.debug("Cannot keep this node's voter state in {}", store, e);
            }
            return false;
        }
    }

    /** Gates this member's accepts of a next configuration; open unless worker registers are on. */
    void gate(ChangeGate gate) {
        this.gate = java.util.Objects.requireNonNull(gate, "gate");
    }

    synchronized void onLearn(Consumer<Voters> learner) {
        learners.add(learner);
    }

    Voters current() {
        return current;
    }

    /**
     * The configuration this process would resume with if it crashed now: the current one once it is
     * kept. What this member tells others it knows as an acceptor of worker registers (the version
     * it answers with, a pull's version) must survive a crash, or a restarted process could answer as
     * an acceptor of a version it told the others it had moved past.
     */
    Voters kept() {
        return kept;
    }

    /** Keeps the current configuration if an earlier attempt failed (the store's disk was full, say). */
    void keepCurrent() {
        if (kept == current) {
            return;
        }
        synchronized (this) {
            if (kept != current) {
                persist();
            }
        }
    }

    /**
     * Whether {@code lineage} is one this member heard of and found ranking below its own: every
     * process of it moves to this member's lineage as soon as it hears of it, so it can be made a
     * voter at once rather than once it has moved and opened a session here.
     */
    synchronized boolean outranks(String lineage) {
        return !lineage.equals(current.lineage()) && outranked.contains(lineage);
    }

    /** The configuration before the current one, if this member saw the change happen. */
    Optional<Voters> previous() {
        return Optional.ofNullable(previous);
    }

    synchronized long committedAt() {
        return committedAt;
    }

    /**
     * Starts a new lineage whose voters are this process and {@code others}, processes that belong
     * to no lineage yet, unless a configuration is known.
     */
    Voters bootstrap(Collection<String> others, long wallMillis) {
        Voters started;
        synchronized (this) {
            if (!current.isNone()) {
                return current;
            }
            Set<String> founders = new TreeSet<>(others);
            founders.add(voterId);
            started = Voters.bootstrap(founders, wallMillis, random);
            adopt(started, false);
        }
        log.info("Started a new cluster lineage: {}", started);
        notifyLearners(started);
        return started;
    }

    /**
     * Replaces the voters by {@code others} and this process, in a new lineage that every member
     * adopts over the current one: an operator's way out when a majority of the voters is gone for
     * good and no change can commit. Unsafe if any of the missing voters still runs.
     *
     * @param lineage the lineage the operator saw, so that a reset meant for it replaces nothing else
     * @throws IllegalStateException if the current lineage is another one
     */
    Voters reset(String lineage, Collection<String> others, long wallMillis) {
        Voters was;
        Voters next;
        synchronized (this) {
            was = current;
            if (current.isNone() || !current.lineage().equals(lineage)) {
                throw new IllegalStateException("the voters' lineage is " + (current.isNone() ? "not known yet"
                        : current.lineage()) + ", not " + lineage + ": nothing was reset; look at the voters again");
            }
            Set<String> ids = new TreeSet<>(others);
            ids.add(voterId);
            next = current.reset(ids, wallMillis, random);
            adopt(next, false);
        }
        log.warn("The voters were reset by an operator: {} replaces {}", next, was);
        notifyLearners(next);
        return next;
    }

    /**
     * Adopts a committed configuration heard from another member, if it is newer in this lineage
     * or belongs to a lineage that ranks above this one (two clusters that formed apart met).
     *
     * @return whether it was adopted
     */
    boolean learn(Voters committed) {
        if (committed == null || committed.isNone() || committed == current) {
            return false;
        }
        Voters was;
        synchronized (this) {
            was = current;
            if (committed.equals(current)) {
                // The same configuration, perhaps naming the change this member did not know (heard from an older release).
                Voters named = current.naming(committed);
                if (named != current) {
                    current = named;
                    persist();
                }
                return false;
            }
            boolean newer = current.sameLineage(committed) && committed.version() > current.version();
            if (!newer && !current.yieldsTo(committed)) {
                if (!current.isNone() && !current.sameLineage(committed)) {
                    outranked.remove(committed.lineage());
                    outranked.add(committed.lineage());
                    if (outranked.size() > LINEAGES_KEPT) {
                        outranked.remove(outranked.iterator().next());
                    }
                }
                return false;
            }
            VoterStore.Left before = left.get(committed.lineage());
            if (before != null && committed.version() < before.version()) {
                // A late copy of a version this member saw replaced: its change is decided, its promises forgotten.
                return false;
            }
            adopt(committed, true);
        }
        if (!was.isNone() && !was.sameLineage(committed)) {
            log.warn("Two cluster lineages met; joining the one that ranks first (reset more often, then more voters"
                    + " at its peak, then more founders, then older): {} replaces {}",
                    committed, was);
        } else {
            log.info("Voters changed: {}", committed);
        }
        notifyLearners(committed);
        return true;
    }

    /**
     * Makes {@code next} the current configuration. The acceptor's promises belong to the change
     * after the current version, so they end with it; but a member that leaves a lineage may come
     * back to it (the one it joined can be outgrown), and if the lineage has not changed meanwhile it
     * is again an acceptor of that same change: what it promised and accepted there is kept and taken
     * up again, as Paxos needs (an acceptor never forgets). Only the last {@value #LINEAGES_KEPT}
     * lineages left are kept; a member that may have dropped some and finds itself a voter of a
     * lineage it has no record of takes no part in that change (ranks that only grow make such a
     * return impossible; configurations from a release without peaks can still fall).
     *
     * @param heard whether the configuration came from another member (not founded or reset here)
     */
    private void adopt(Voters next, boolean heard) {
        if (next.change().isEmpty() && current.isSuccessor(next)) {
            // Heard from a release that names no change: this member knows the version before, so it can.
            next = next.naming(next.namedAfter(current));
        }
        Ballot nextPromised = Ballot.ZERO;
        Ballot nextAcceptedBallot = null;
        Voters nextAcceptedValue = null;
        if (!current.isNone() && !current.sameLineage(next)) {
            boolean mayHaveForgotten = left.size() >= LINEAGES_KEPT;
            coldUntil = Math.max(coldUntil, clock.getAsLong() + changeGap);
            left.remove(current.lineage());
            left.put(current.lineage(), new VoterStore.Left(current.lineage(), current.version(), promised,
                    acceptedBallot, acceptedValue));
            VoterStore.Left back = left.remove(next.lineage());
            if (back != null && back.version() == next.version()) {
                nextPromised = back.promised();
                nextAcceptedBallot = back.acceptedBallot();
                nextAcceptedValue = back.acceptedValue();
            } else if (heard && back == null && next.contains(voterId) && mayHaveForgotten) {
                // Listed as a voter of a lineage it is not in: it was, and what it did there is no longer kept.
                nextPromised = Ballot.FORGOTTEN;
            }
            while (left.size() > LINEAGES_KEPT) {
                left.remove(left.keySet().iterator().next());
            }
        }
        previous = current.isSuccessor(next) ? current : null;
        current = next;
        committedAt = clock.getAsLong();
        promised = nextPromised;
        acceptedBallot = nextAcceptedBallot;
        acceptedValue = nextAcceptedValue;
        persist();
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
        if (!current.lineage().equals(lineage) || current.version() != version || !current.contains(voterId)) {
            return new Promise(false, null, null, current);
        }
        // The same ballot again is its proposer's resend where the ballot names one process life; a
        // release before names only the voter, whose restart may draw the ballot again for another value.
        if (ballot.equals(promised) && ballot.namesALife()) {
            return new Promise(true, acceptedBallot, acceptedValue, current);
        }
        if (!ballot.isAbove(promised)) {
            return new Promise(false, null, null, current);
        }
        Ballot before = promised;
        promised = ballot;
        if (!persist()) {
            promised = before;
            return new Promise(false, null, null, current);
        }
        return new Promise(true, acceptedBallot, acceptedValue, current);
    }

    /** Paxos phase 2: accepts {@code value} as the configuration after {@code version}, if allowed. */
    synchronized boolean accept(String lineage, long version, Ballot ballot, Voters value) {
        if (!current.lineage().equals(lineage) || current.version() != version || !current.contains(voterId)
                || !current.isSuccessor(value) || promised.isAbove(ballot)) {
            return false;
        }
        if (clock.getAsLong() - committedAt < changeGap) {
            return false;
        }
        if (ballot.equals(acceptedBallot) && value.equals(acceptedValue)) {
            // Accepted already (behind an open gate): a resend is answered alike.
            return true;
        }
        if (!gate.open(current)) {
            return false;
        }
        VoterStore.Saved before = snapshot();
        promised = ballot;
        acceptedBallot = ballot;
        acceptedValue = value;
        if (!persist()) {
            promised = before.promised();
            acceptedBallot = before.acceptedBallot();
            acceptedValue = before.acceptedValue();
            return false;
        }
        return true;
    }

    /** The highest round this member has promised, so that a proposer can go above it. */
    synchronized long promisedRound() {
        return promised.equals(Ballot.FORGOTTEN) ? 0 : promised.round();
    }

    /**
     * Whether enough time has passed since the last change for voters to accept the next one, and this
     * member's gate lets it accept one.
     */
    synchronized boolean changeAllowed() {
        return !current.isNone() && clock.getAsLong() - committedAt >= changeGap && gate.open(current);
    }
}
