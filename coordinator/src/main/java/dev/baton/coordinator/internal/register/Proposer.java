package dev.baton.coordinator.internal.register;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * One session's writer of one worker's register: Multi-Paxos with the usual shortcut. Once a quorum
 * has promised its ballot (established), each write is one accept at the index after the last value
 * it knows chosen (the fast path); otherwise it prepares a higher ballot, takes the value at the
 * highest index the promises report (at that index, the one of the highest ballot), accepts it again
 * under its own ballot unless known chosen, and only then writes (the slow path). It proposes index
 * i + 1 only once index i is chosen, so the chosen values of a worker form one chain, each computed
 * from the one before.
 *
 * <p>Answers count per voters version: a quorum is a majority of the voters of the version its
 * answers carry. Not thread-safe; the caller sends each operation it returns to every acceptor and
 * brings back their answers. A session keeps one proposer per worker for its whole life (and
 * {@link #cancel()}s a write it gives up): a second one would start again from the lowest ballot and
 * could send another value under a ballot and index the first had used.
 */
public final class Proposer<V> {

    private final String session;
    private final String worker;
    private final LongFunction<Set<String>> votersOf;
    private final Consumer<Accepted<V>> onChosen;
    private final Map<String, Answer<V>> answers = new HashMap<>();

    private Ballot ballot;
    /** The version the ballot's promises were counted under (raised by accept quorums), -1 before any. */
    private long tag = -1;
    /** Whether a quorum promised the ballot and no answer named a higher ballot or a later value since. */
    private boolean established;
    private Ballot highest = Ballot.ZERO;
    private Accepted<V> head;
    private UnaryOperator<V> write;
    private V proposed;
    private V written;
    private Accepted<V> proposedOn;
    private Operation<V> operation;
    private long nextId;
    /** Whether an acceptor refused the operation in flight: retry() prepares a higher ballot. */
    private boolean refused;
    /**
     * Whether the ballot is established from before the session last gave its writes up (its lock given
     * back and taken again): another session may have written since, so the head may be stale.
     */
    private boolean carried;
    /**
     * Whether the next refusal prepares at once rather than at {@link #retry()}: once after a kept ballot or
     * a stale head met another session's writes. That session gave the lock to this one, so nobody duels,
     * and a resend interval's wait would outlast a claim; a second refusal in a row waits as usual.
     */
    private boolean eager;

    /**
     * @param votersOf the voters of a version, or null if this session does not know it
     * @param onChosen told of every value this session learns chosen, in index order
     */
    public Proposer(String session, String worker, LongFunction<Set<String>> votersOf, Consumer<Accepted<V>> onChosen) {
        this.session = Objects.requireNonNull(session, "session");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.votersOf = Objects.requireNonNull(votersOf, "votersOf");
        this.onChosen = Objects.requireNonNull(onChosen, "onChosen");
    }

    /**
     * Starts a write of the value {@code next} computes from the last value chosen (null for a worker
     * without history), and returns the operation to send. If the chain moves on before the value is
     * chosen (another session wrote meanwhile), {@code next} is applied again to the newer value, which
     * may already hold this write (chosen, and followed by another before this session heard): the
     * value must recognise it there, as a claim does by its claim id and slot. {@code next} returns null
     * when there is nothing to write on that value (a claim of a slot already claimed): the write ends
     * with nothing chosen, {@link #written()} null; and the value itself when it already holds the write
     * (a claim's replay): the write ends with that value, {@link #written()}, and no index spent.
     */
    public Operation<V> write(UnaryOperator<V> next) {
        if (write != null) {
            throw new IllegalStateException("a write of " + worker + " is under way");
        }
        write = Objects.requireNonNull(next, "next");
        written = null;
        proposed = null;
        proposedOn = null;
        return established ? writeAfter(head) : prepare();
    }

    /**
     * Takes an acceptor's answer to an operation; returns the next operation to send, or null. An
     * answer to an operation other than the one in flight is ignored.
     */
    public Operation<V> onAnswer(String from, long operationId, Answer<V> answer) {
        if (operation == null || operationId != operation.id() || operation.kind() == Operation.Kind.CHOSEN) {
            return null;
        }
        if (answer.promised().isAbove(highest)) {
            highest = answer.promised();
        }
        if (answer.isSupport() && !answers(operation, answer)) {
            return null;
        }
        answers.put(from, answer);
        switch (answer.kind()) {
            case REFUSED_BALLOT, SUPERSEDED -> {
                if (eager) {
                    // Another session wrote, or prepared, while this one did not hold the lock (see eager).
                    eager = false;
                    established = false;
                    return prepare();
                }
                // Someone prepared a higher ballot, or wrote on: preparing again at once would duel with it.
                // The others may still make a quorum (one member's table can be behind: a member warming
                // up records a standby as the holder), so the answers are still counted; retry() prepares.
                established = false;
                refused = true;
                return null;
            }
            case REFUSED_VERSION -> {
                // A newer configuration exists, in which this ballot serves no more: prepare under it now.
                established = false;
                return prepare();
            }
            default -> {
                long quorum = quorumVersion(answer.version(), operation.kind() == Operation.Kind.PREPARE
                        ? Kind.PROMISED : Kind.ACCEPTED);
                if (quorum < 0) {
                    return null;
                }
                return operation.kind() == Operation.Kind.PREPARE ? promisedBy(quorum) : acceptedBy(quorum);
            }
        }
    }

    /**
     * The operation to send again when answers are missing: the same one (acceptors answer it again,
     * with the version they know now), or after a refusal a prepare of a higher ballot.
     */
    public Operation<V> retry() {
        if (refused && write != null) {
            return prepare();
        }
        return operation;
    }

    public boolean isWriting() {
        return write != null;
    }

    /** The value the last write got chosen, or null while it goes on or when it had nothing to write. */
    public V written() {
        return written;
    }

    /** The last value this session knows chosen, or null. */
    public Accepted<V> head() {
        return head;
    }

    public boolean isEstablished() {
        return established;
    }

    /**
     * Abandons the write under way (its value may still be chosen: the next write finds it). The
     * ballot is no longer taken as established, so the next write prepares a higher one and never sends
     * another value under a ballot and index this one may have used. With no write under way no value
     * went out after the head, so the ballot stays established (a Multi-Paxos leader's across its
     * instances): the next write is one accept if nobody wrote since, and prepares at its first refusal
     * if somebody did.
     */
    public void cancel() {
        if (write == null) {
            carried = established;
            eager = established;
            return;
        }
        carried = false;
        eager = false;
        refused = false;
        write = null;
        proposed = null;
        proposedOn = null;
        established = false;
        operation = null;
    }

    /**
     * Whether a supporting answer is one to {@code operation}: the state it reports must hold the
     * operation's ballot (and for an accept its index and value), not only its id.
     */
    private static <V> boolean answers(Operation<V> operation, Answer<V> answer) {
        if (operation.kind() == Operation.Kind.PREPARE) {
            return answer.kind() == Kind.PROMISED && answer.promised().equals(operation.ballot());
        }
        Accepted<V> accepted = answer.accepted();
        return answer.kind() == Kind.ACCEPTED && accepted != null
                && accepted.isAt(operation.index(), operation.ballot()) && accepted.value().equals(operation.value());
    }

    private Operation<V> prepare() {
        tag = -1;
        ballot = highest.next(session);
        highest = ballot;
        return send(Operation.Kind.PREPARE, -1, null);
    }

    private Operation<V> promisedBy(long version) {
        carried = false;
        eager = false;
        tag = version;
        established = true;
        Accepted<V> found = head;
        boolean known = true;
        for (Answer<V> answer : answers.values()) {
            Accepted<V> accepted = answer.accepted();
            if (answer.kind() == Kind.PROMISED && accepted != null && (found == null || accepted.isAfter(found))) {
                found = accepted;
                // Once a value is chosen at an index, every higher ballot there carries it: a copy of the
                // head re-proposed under a higher ballot is the head.
                known = head != null && found.index() == head.index();
            }
        }
        for (Answer<V> answer : answers.values()) {
            // Once a value is chosen at an index, every higher ballot there carries that value.
            if (answer.kind() == Kind.PROMISED && found != null && answer.chosen() != null
                    && answer.chosen().index() == found.index()) {
                known = true;
            }
        }
        if (found != null && !known) {
            return send(Operation.Kind.ACCEPT, found.index(), found.value());
        }
        learned(found);
        return writeAfter(found);
    }

    private Operation<V> acceptedBy(long version) {
        carried = false;
        eager = false;
        if (version > tag) {
            // A quorum of the newer version took the ballot's accepts, so it has promised the ballot too.
            tag = version;
        }
        learned(new Accepted<>(operation.index(), ballot, operation.value()));
        Operation<V> next = writeAfter(head);
        return next != null ? next : send(Operation.Kind.CHOSEN, head.index(), head.value());
    }

    private void learned(Accepted<V> chosen) {
        if (chosen == null || (head != null && chosen.index() <= head.index())) {
            return;
        }
        head = chosen;
        onChosen.accept(chosen);
        if (write != null && chosen.value().equals(proposed)) {
            write = null;
            written = proposed;
        }
    }

    /** The write's accept at the index after {@code base}, or null once there is nothing to write. */
    private Operation<V> writeAfter(Accepted<V> base) {
        if (write == null) {
            operation = null;
            return null;
        }
        if (proposed == null || !sameValueAt(base, proposedOn)) {
            proposed = write.apply(base == null ? null : base.value());
            proposedOn = base;
            if (proposed == null || base != null && proposed.equals(base.value())) {
                if (carried) {
                    // Another session may have written while the lock was elsewhere: a value computed on a stale
                    // head is refused by the acceptors, but "nothing to write" is judged here, so it waits
                    // for the newest value a prepare finds (the other session's ballot may be above this
                    // one's next: then the prepare is refused once and goes again above it, see eager).
                    proposed = null;
                    proposedOn = null;
                    established = false;
                    eager = true;
                    return prepare();
                }
                written = proposed;
                write = null;
                operation = null;
                return null;
            }
        }
        return send(Operation.Kind.ACCEPT, base == null ? 1 : base.index() + 1, proposed);
    }

    /** Whether two chosen values are the same: at one index, whatever ballot carried them there. */
    private static boolean sameValueAt(Accepted<?> a, Accepted<?> b) {
        return a == null ? b == null : b != null && a.index() == b.index() && a.value().equals(b.value());
    }

    private Operation<V> send(Operation.Kind kind, long index, V value) {
        answers.clear();
        refused = false;
        operation = new Operation<>(nextId++, kind, worker, ballot, tag, index, value);
        return operation;
    }

    /** The version whose voters' majority gave {@code kind}, with {@code version} among them, or -1. */
    private long quorumVersion(long version, Kind kind) {
        Set<String> voters = votersOf.apply(version);
        if (voters == null) {
            return -1;
        }
        long support = answers.entrySet().stream()
                .filter(e -> e.getValue().kind() == kind && e.getValue().version() == version
                        && voters.contains(e.getKey()))
                .count();
        return support > voters.size() / 2 ? version : -1;
    }
}
