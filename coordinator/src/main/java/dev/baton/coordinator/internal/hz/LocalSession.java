package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import dev.baton.coordinator.internal.SlotState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's session: the ordered changes it announces, the locks it holds or asks for, and what
 * every member's lock table says of them.
 *
 * <p>A lock on W is held at time t while a quorum of the voters (of the current configuration, or
 * of the one before during a change) recorded this session as W's holder when they acknowledged a
 * renewal sent at t - lease or later, each counted under the configuration version it answered
 * under; this node counts itself through its own table. It is granted the first time that holds,
 * and lost for good the first time it stops holding. A member that refuses a lock only withholds
 * its own support: no single member's view ends a lock a quorum confirmed. The session itself is
 * valid while a quorum acknowledged its renewals in the same way; once its validity has passed it
 * is dead, and a new session replaces it. See {@code docs/lease-protocol.md}.
 */
final class LocalSession {

    private static final Logger log = LoggerFactory.getLogger(LocalSession.class);
    /** Beyond this many unacknowledged changes a member gets a snapshot instead of the log. */
    private static final int MAX_LOG = 50_000;

    /** A message to send to one member. */
    record Outgoing(Member member, SessionMessage message, long sentNanos) {
    }

    private static final class Held {
        final String worker;
        final long seq;
        final CompletableFuture<Boolean> granted = new CompletableFuture<>();
        final List<Runnable> lostActions = new ArrayList<>();
        /** For each voter, when it last acknowledged a renewal while recording this lock as ours. */
        final Map<String, Acks> support = new HashMap<>();
        /** Voters that answered they record another holder. */
        final Set<String> refusedBy = new HashSet<>();
        boolean confirmed;
        boolean lost;

        Held(String worker, long seq) {
            this.worker = worker;
            this.seq = seq;
        }
    }

    private static final class Peer {
        final Member member;
        long ackedSeq = -1;
        /**
         * The member heard (or, running no Baton, needs) no event of this session up to here: what it
         * acknowledged, kept when it asks for a snapshot, so that a snapshot repeats no event it applied.
         */
        long eventsAfter = -1;
        boolean inFlight;
        long inFlightSentNanos;
        boolean participating = true;
        /** The member answered a message that said this session is closing. */
        boolean heardClosing;
        /** The voters version and lineage the member answered with last; it gets our ids while they differ. */
        long version = -1;
        String lineage = "";
        /** The voters version this session last sent the member in full. */
        long toldVersion = -1;
        /** The member's process as a voter, as it last answered. */
        String voterId = "";

        Peer(Member member) {
            this.member = member;
        }
    }

    final String id;
    private final String nodeId;
    private final Supplier<String> memberUuid;
    private final SessionTable table;
    private final VoterState voters;
    private final FenceFloor floor;
    private final PeerClocks clocks;
    private final LongSupplier clock;
    private final long leaseNanos;
    private final int minClusterSize;
    private final Runnable wakeSender;
    private final LongAdder renewals;
    /**
     * Claim ids: increasing, so that the record can tell an earlier claim of this session from a later
     * one; from a random start, so that two sessions' ids (and so replays) never meet.
     */
    private final AtomicLong claimIds = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 62));
    /**
     * Guards everything below. Every claim of an instant takes it several times from its own virtual
     * thread: a lock that parks its waiters, where a monitor would have them spin on the CPU that the
     * session's own thread needs to renew.
     */
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<SessionOp> changes = new ArrayDeque<>();
    /**
     * The events (triggers, pauses, orphaned runs) a snapshot may have to carry: kept until every
     * member heard them and for two leases at least, for a member that comes back under a new id
     * after a short split (its table kept what it applied, and skips what it has).
     */
    private final ArrayDeque<Logged> events = new ArrayDeque<>();

    private record Logged(SessionOp op, long atNanos) {
    }

    /**
     * How far each process (by voter id, which outlives the member id a merge changes) heard this
     * session's events, and when it last answered: events stay logged while a process that is a
     * voter, or answered in the last {@link #HEARD_KEPT_LEASES} leases, has not heard them, so that
     * one back from a split hears what it missed.
     */
    private final Map<String, Heard> eventsHeardBy = new HashMap<>();

    private record Heard(long seq, long atNanos) {
    }

    /** How long (in leases) a process that is not a voter is waited for: a split longer relies on the records. */
    private static final int HEARD_KEPT_LEASES = 30;
    private final Map<String, Held> held = new HashMap<>();
    /** This session's register writes, or null while registers are off (the product today). */
    private final SessionRegisters registers;
    private final Set<String> registered = new TreeSet<>();
    private final Context context;
    private final Map<String, Peer> peers = new HashMap<>();
    private final Map<String, Acks> voterAcks = new HashMap<>();
    /**
     * Releases waiting until every member applied them, in sequence order: each reply settles those at
     * the front, where looking at every one made each of an instant's hundreds of releases pay for all.
     */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Acks selfAcks = new Acks();
    /** Scratch for {@link #validityUnder}, guarded by {@link #lock}. */
    private long[] ackTimes = new long[8];
    /** Engine events caused by this session's own changes, delivered once the session's lock is released. */
    private List<Runnable> deferred = new ArrayList<>();
    private String ackLineage = "";
    private long seq;
    private boolean closing;
    /** The next round goes to every member, as a heartbeat does: something they must hear at once changed. */
    private boolean announceNow;
    private boolean wasValid;
    private boolean dead;
    /** A round has sent to the members: before it, no member can have acknowledged anything. */
    private boolean rounded;
    /** Of the actions carried from the session this one replaced: their sequence there, by their sequence here. */
    private final Map<Long, Long> carriedFrom = new HashMap<>();
    /** How far each member (by member id) acknowledged the replaced session's events. */
    private Map<String, Long> predecessorHeard = Map.of();

    /** How the session's surroundings are reached; one per coordination, shared by its successive sessions. */
    record Context(String nodeId, Supplier<String> memberUuid, SessionTable table, VoterState voters,
                   FenceFloor floor, PeerClocks clocks, LongSupplier clock, long leaseNanos, int minClusterSize,
                   Runnable wakeSender, LongAdder renewals) {
    }

    /**
     * @param registered the workers this node runs, carried over from the session this one replaces
     */
    LocalSession(String id, Set<String> registered, Context context) {
        this(id, registered, context, false);
    }

    private LocalSession(String id, Set<String> registered, Context context, boolean closing) {
        this.id = id;
        this.context = context;
        this.closing = closing;
        this.nodeId = context.nodeId();
        this.memberUuid = context.memberUuid();
        this.table = context.table();
        this.voters = context.voters();
        this.floor = context.floor();
        this.clocks = context.clocks();
        this.clock = context.clock();
        this.leaseNanos = context.leaseNanos();
        this.minClusterSize = context.minClusterSize();
        this.wakeSender = context.wakeSender();
        this.renewals = context.renewals();
        this.registered.addAll(registered);
        this.registers = table.hasRegisters() ? new SessionRegisters(id, voters, leaseNanos / 5) : null;
        table.self(id);
        table.receive(stamp(SessionMessage.snapshot(id, nodeId, memberUuid.get(), 0, Set.of(), Set.copyOf(registered),
                closing), true));
        selfAck(clock.getAsLong());
    }

    /**
     * The session that replaces this expired one, closing if this one was: a node that expired while
     * it drained for a leave is still leaving, so the others keep its new session out of the balance
     * and of driving the voters, as they did its old one. It carries the triggers and pauses this one
     * announced that not every member heard (made while it was cut off from some, or just before it
     * expired): the records hold them, the others' engines would not hear of them. Each member gets
     * those it did not acknowledge to this one: a member that heard them (while a crashed voter kept
     * them logged) does not hear them again; a process this one still waited for (a voter, or one that
     * answered in the last {@link #HEARD_KEPT_LEASES} leases, away in a split) is waited for there too.
     * Orphaned runs need no carrying: every member orphans what an expired session held.
     */
    LocalSession successor(String id, Set<String> registered) {
        lock.lock();
        try {
            List<SessionOp> unheard = unheardActions();
            // A member may have heard an action this session carried from its own predecessor there, not here.
            Map<String, Long> heardByMember = new HashMap<>();
            predecessorHeard.forEach((uuid, before) -> heardByMember.put(uuid, carriedHeard(before)));
            peers.forEach((uuid, p) -> heardByMember.merge(uuid, p.eventsAfter, Math::max));
            LocalSession next = new LocalSession(id, registered, context, closing);
            next.carry(unheard, heardByMember, Map.copyOf(eventsHeardBy));
            return next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to which sequence here a member heard the actions carried from the predecessor, given how far it
     * heard the predecessor's events ({@code before}): the carried actions come first, in their order there.
     */
    private long carriedHeard(long before) {
        long heard = -1;
        for (Map.Entry<Long, Long> c : carriedFrom.entrySet()) {
            if (c.getValue() <= before) {
                heard = Math.max(heard, c.getKey());
            }
        }
        return heard;
    }

    /**
     * Logs a predecessor's actions for the others, each with the predecessor's sequence, for the members
     * that acknowledged it there; this node's engine heard them when they were made. The processes the
     * predecessor waited for are waited for here, for what they did not hear of the actions and for what
     * comes after them.
     */
    private void carry(List<SessionOp> actions, Map<String, Long> heardByMember, Map<String, Heard> heardByProcess) {
        lock.lock();
        try {
            long base = seq;
            heardByProcess.forEach((voterId, h) -> eventsHeardBy.put(voterId,
                    new Heard(base + actions.stream().filter(o -> o.seq() <= h.seq()).count(), h.atNanos())));
            if (actions.isEmpty()) {
                return;
            }
            long now = clock.getAsLong();
            predecessorHeard = Map.copyOf(heardByMember);
            for (SessionOp o : actions) {
                SessionOp op = new SessionOp(++seq, o.kind(), o.worker(), o.flag(), o.token(), o.madeAt());
                changes.addLast(op);
                events.addLast(new Logged(op, now));
                carriedFrom.put(op.seq(), o.seq());
            }
            table.receive(stamp(SessionMessage.delta(id, nodeId, memberUuid.get(), base, seq, List.of(), closing),
                    true), deferred);
        } finally {
            lock.unlock();
        }
    }

    /** The id of this session's next claim. */
    long nextClaimId() {
        return claimIds.incrementAndGet();
    }

    /**
     * Asks the cluster for the worker's lock; completes true once a quorum of voters records it as
     * this session's, false when that cannot happen (the session has no quorum, or too many voters
     * know another live holder). The caller gives up and releases after its own timeout.
     */
    CompletableFuture<Boolean> acquire(String worker) {
        List<Runnable> fire = new ArrayList<>();
        CompletableFuture<Boolean> result;
        lock.lock();
        try {
            long now = clock.getAsLong();
            if (held.containsKey(worker) || closing || dead || now >= validUntil()) {
                return CompletableFuture.completedFuture(false);
            }
            SessionReply own = append(SessionOp.Kind.ACQUIRE, worker, false);
            if (own.refused.contains(worker)) {
                log.debug("Lock on {} refused by this member's own table: {} holds it", worker,
                        table.holder(worker).orElse("?"));
                append(SessionOp.Kind.RELEASE, worker, false);
                result = CompletableFuture.completedFuture(false);
            } else {
                Held h = new Held(worker, seq);
                held.put(worker, h);
                selfAck(now);
                // Only the new lock: the others' support changes with replies, and the session's round
                // (woken by this change) confirms them; checking every pending lock here made each of a
                // burst of claims pay for all the others.
                confirm(h, now, fire);
                result = h.granted;
            }
        } finally {
            lock.unlock();
        }
        fire.forEach(Runnable::run);
        deliverDeferred();
        return result;
    }

    /**
     * Gives the lock back; {@code unfinished}: the slot did not finish and others may re-run it.
     *
     * @return completes when every member has applied the release, so that any node can claim next
     */
    CompletableFuture<Void> release(String worker, boolean unfinished) {
        CompletableFuture<Void> applied;
        Held h;
        Runnable cancelled;
        lock.lock();
        try {
            // Given up whether the lock was held or refused: the write may still be chosen, and the next
            // holder's write finds it.
            cancelled = registers == null ? () -> { } : registers.cancel(worker);
            h = held.remove(worker);
            if (h == null || dead) {
                applied = CompletableFuture.completedFuture(null);
            } else {
                append(SessionOp.Kind.RELEASE, worker, unfinished);
                applied = new CompletableFuture<>();
                waiters.addLast(new Waiter(applied, seq));
                settleWaiters();
            }
        } finally {
            lock.unlock();
        }
        cancelled.run();
        if (h != null) {
            h.granted.complete(false);
        }
        deliverDeferred();
        return applied;
    }

    /**
     * Writes {@code worker}'s register with registers on (see {@link SessionRegisters#write}): completes
     * with the value written, or null if there was nothing to write or the write was given up.
     */
    CompletableFuture<SlotState> writeRegister(String worker, UnaryOperator<SlotState> next) {
        lock.lock();
        try {
            if (registers == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("registers are off"));
            }
            if (dead) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<SlotState> written = registers.write(worker, next, seq, clock.getAsLong());
            wakeSender.run();
            return written;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #writeRegister}, only while this session holds the worker's lock, judged under the session's
     * lock so that a loss cannot come between the look and the write (nobody would answer the write, and
     * nothing would give it up); completes with null at once otherwise.
     */
    CompletableFuture<SlotState> writeRegisterHeld(String worker, UnaryOperator<SlotState> next) {
        lock.lock();
        try {
            Held h = held.get(worker);
            if (dead || h == null || !h.confirmed || h.lost || clock.getAsLong() >= validity(h)) {
                return CompletableFuture.completedFuture(null);
            }
            return writeRegister(worker, next);
        } finally {
            lock.unlock();
        }
    }

    /** A member's answers to this session's register operations, sent after its force. */
    void onRegisterReply(RegisterReply reply) {
        List<Runnable> ended;
        lock.lock();
        try {
            if (registers == null || dead || !reply.session.equals(id)) {
                return;
            }
            ended = registers.onReply(reply, seq, clock.getAsLong());
            wakeSender.run();
        } finally {
            lock.unlock();
        }
        ended.forEach(Runnable::run);
    }

    /** Completes the waiters whose change every participating member has applied. */
    private void settleWaiters() {
        if (waiters.isEmpty()) {
            return;
        }
        long everywhere = seq;
        for (Peer p : peers.values()) {
            if (p.participating) {
                everywhere = Math.min(everywhere, p.ackedSeq);
            }
        }
        while (!waiters.isEmpty() && waiters.peekFirst().seq() <= everywhere) {
            waiters.pollFirst().applied().complete(null);
        }
    }

    private record Waiter(CompletableFuture<Void> applied, long seq) {
    }

    void announce(SessionOp.Kind kind, String worker, boolean flag) {
        announce(kind, worker, flag, 0, 0);
    }

    /**
     * As {@link #announce(SessionOp.Kind, String, boolean)}, with the operator action's token and time;
     * false if the session died first (it logs nothing more: the caller hands the action to the next one).
     */
    boolean announce(SessionOp.Kind kind, String worker, boolean flag, long token, long madeAt) {
        boolean logged = false;
        lock.lock();
        try {
            if (kind == SessionOp.Kind.REGISTER) {
                registered.add(worker);
            } else if (kind == SessionOp.Kind.UNREGISTER) {
                registered.remove(worker);
            }
            if (!dead) {
                append(kind, worker, flag, token, madeAt);
                logged = true;
            }
        } finally {
            lock.unlock();
        }
        deliverDeferred();
        return logged;
    }

    Set<String> registered() {
        lock.lock();
        try {
            return Set.copyOf(registered);
        } finally {
            lock.unlock();
        }
    }

    /** Whether this session has expired: it announces nothing more, and a new session replaces it. */
    boolean isDead() {
        lock.lock();
        try {
            return dead;
        } finally {
            lock.unlock();
        }
    }

    /** Whether this session holds a granted, not lost lock on the worker. */
    boolean holds(String worker) {
        lock.lock();
        try {
            Held h = held.get(worker);
            return !dead && h != null && h.confirmed && !h.lost && clock.getAsLong() < validity(h);
        } finally {
            lock.unlock();
        }
    }

    /** Until when the lock on {@code worker} is valid, on this node's monotonic clock (past if not held). */
    long lockValidUntil(String worker) {
        lock.lock();
        try {
            Held h = held.get(worker);
            return h == null || !h.confirmed || h.lost ? Long.MIN_VALUE : validity(h);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code action} once when the lock on {@code worker} is lost (now, if it already is). */
    void onLost(String worker, Runnable action) {
        boolean now;
        lock.lock();
        try {
            Held h = held.get(worker);
            now = h == null || h.lost;
            if (!now) {
                h.lostActions.add(action);
            }
        } finally {
            lock.unlock();
        }
        if (now) {
            action.run();
        }
    }

    private SessionReply append(SessionOp.Kind kind, String worker, boolean flag) {
        return append(kind, worker, flag, 0, 0);
    }

    private SessionReply append(SessionOp.Kind kind, String worker, boolean flag, long token, long madeAt) {
        long base = seq;
        SessionOp op = new SessionOp(++seq, kind, worker, flag, token, madeAt);
        changes.addLast(op);
        if (op.isEvent()) {
            events.addLast(new Logged(op, clock.getAsLong()));
        }
        SessionReply own = table.receive(stamp(SessionMessage.delta(id, nodeId, memberUuid.get(), base, seq,
                List.of(op), closing), true), deferred);
        wakeSender.run();
        return own;
    }

    /** Delivers the engine events of this session's own changes; called holding no lock. */
    private void deliverDeferred() {
        List<Runnable> events;
        lock.lock();
        try {
            if (deferred.isEmpty()) {
                return;
            }
            events = deferred;
            deferred = new ArrayList<>();
        } finally {
            lock.unlock();
        }
        events.forEach(Runnable::run);
    }

    private SessionMessage stamp(SessionMessage m, boolean withIds) {
        m.sentNanos = clock.getAsLong();
        m.stamped = true;
        return m.about(voters.current(), withIds, clocks.wallMillis(), floor.get(), voters.voterId());
    }

    /** Counts this member's own table, which applied everything up to now, as an acknowledgement. */
    private void selfAck(long now) {
        resetOnNewLineage();
        if (voters.warm()) {
            selfAcks.record(voters.current().version(), now);
        }
    }

    /** Acknowledgements of one lineage never count for another: a node that joined an older lineage starts over. */
    private void resetOnNewLineage() {
        String lineage = voters.current().lineage();
        if (!lineage.equals(ackLineage)) {
            ackLineage = lineage;
            voterAcks.clear();
            selfAcks.reset();
            held.values().forEach(h -> h.support.clear());
        }
    }

    /** The messages of one round: to every idle member that lacks changes, or to all on a heartbeat. */
    List<Outgoing> round(Set<Member> members, long now, boolean heartbeatDue) {
        boolean heartbeat = heartbeatDue;
        List<Runnable> fire = new ArrayList<>();
        List<Outgoing> out = new ArrayList<>();
        lock.lock();
        try {
            if (dead) {
                return List.of();
            }
            Map<String, Peer> current = new HashMap<>();
            String self = memberUuid.get();
            for (Member m : members) {
                String uuid = m.getUuid().toString();
                if (!uuid.equals(self)) {
                    current.put(uuid, peers.getOrDefault(uuid, new Peer(m)));
                }
            }
            peers.keySet().retainAll(current.keySet());
            peers.putAll(current);
            rounded = true;
            settleWaiters();
            SessionMessage own = stamp(SessionMessage.delta(id, nodeId, self, seq, seq, List.of(), closing), false);
            if (registers != null) {
                fire.addAll(registers.retry(seq, now));
                own.registerOps = registers.toSend(self, voters.voterId(), now);
            }
            table.receive(own, deferred);
            selfAck(now);
            confirm(now, fire);
            Voters mine = voters.current();
            heartbeat |= announceNow;
            announceNow = false;
            long firstLogged = changes.isEmpty() ? seq + 1 : changes.peekFirst().seq();
            for (Peer p : peers.values()) {
                // A message lost on the way must not silence this member for long: send again after a fifth of the lease.
                if (p.inFlight && now - p.inFlightSentNanos > leaseNanos / 5) {
                    p.inFlight = false;
                }
                // Closing, a member behind on the voters hears them at once, once per version.
                boolean owed = closing && behindOnVoters(p, mine) && p.toldVersion < mine.version();
                String uuid = p.member.getUuid().toString();
                boolean owesRegisters = registers != null && registers.owes(uuid, p.voterId, now);
                if (p.inFlight || (!heartbeat && upToDate(p) && !owed && !owesRegisters)) {
                    continue;
                }
                SessionMessage message;
                if (p.ackedSeq < 0 || p.ackedSeq + 1 < firstLogged) {
                    message = SessionMessage.snapshot(id, nodeId, self, seq, new HashSet<>(held.keySet()),
                            new HashSet<>(registered), closing)
                            .withEvents(events.stream().map(Logged::op).filter(o -> missed(p, o)).toList());
                } else {
                    List<SessionOp> ops = changes.stream().filter(o -> o.seq() > p.ackedSeq).toList();
                    message = SessionMessage.delta(id, nodeId, self, p.ackedSeq, seq, ops, closing);
                    // A snapshot carries none: they go again with the delta after it.
                    if (registers != null) {
                        message.registerOps = registers.toSend(uuid, p.voterId, now);
                    }
                }
                boolean behind = !p.lineage.equals(mine.lineage()) || p.version != mine.version();
                stamp(message, behind);
                p.toldVersion = behind ? mine.version() : p.toldVersion;
                p.inFlight = true;
                p.inFlightSentNanos = now;
                out.add(new Outgoing(p.member, message, now));
            }
            trimLog(now);
        } finally {
            lock.unlock();
        }
        fire.forEach(Runnable::run);
        deliverDeferred();
        return out;
    }

    private void trimLog(long now) {
        long keepAfter = peers.values().stream().mapToLong(p -> p.ackedSeq).min().orElse(seq);
        while (!changes.isEmpty() && (changes.peekFirst().seq() <= keepAfter || changes.size() > MAX_LOG)) {
            changes.pollFirst();
        }
        long heardBy = heardByAll(now);
        while (!events.isEmpty() && ((events.peekFirst().op().seq() <= heardBy
                && now - events.peekFirst().atNanos() > 2 * leaseNanos) || events.size() > MAX_LOG)) {
            carriedFrom.remove(events.pollFirst().op().seq());
        }
    }

    /** The sequence up to which every member, and every process still waited for, heard this session's events. */
    private long heardByAll(long now) {
        long heardBy = peers.values().stream().mapToLong(p -> p.eventsAfter).min().orElse(seq);
        List<String> voterIds = voters.current().ids();
        eventsHeardBy.entrySet().removeIf(h -> !voterIds.contains(h.getKey())
                && now - h.getValue().atNanos() > HEARD_KEPT_LEASES * leaseNanos);
        for (String voter : voterIds) {
            if (!voter.equals(voters.voterId())) {
                Heard h = eventsHeardBy.get(voter);
                heardBy = Math.min(heardBy, h == null ? -1 : h.seq());
            }
        }
        for (Map.Entry<String, Heard> h : eventsHeardBy.entrySet()) {
            if (!h.getKey().equals(voters.voterId())) {
                heardBy = Math.min(heardBy, h.getValue().seq());
            }
        }
        return heardBy;
    }

    /** A member answered a message sent at {@code sentNanos}. */
    void onReply(String uuid, SessionMessage sent, long sentNanos, SessionReply reply) {
        List<Runnable> fire = new ArrayList<>();
        if (reply.voters != null) {
            voters.learn(reply.voters);
        }
        floor.raise(reply.fenceFloor);
        lock.lock();
        try {
            Peer p = peers.get(uuid);
            if (p == null) {
                return;
            }
            long now = clock.getAsLong();
            if (p.inFlightSentNanos == sentNanos) {
                p.inFlight = false;
            }
            switch (reply.status) {
                case APPLIED -> {
                    renewals.increment();
                    p.participating = true;
                    p.ackedSeq = Math.max(p.ackedSeq, Math.min(reply.appliedSeq, seq));
                    p.eventsAfter = Math.max(p.eventsAfter, p.ackedSeq);
                    if (!reply.voterId.isEmpty()) {
                        Heard before = eventsHeardBy.get(reply.voterId);
                        p.eventsAfter = Math.max(p.eventsAfter, before == null ? -1 : before.seq());
                        eventsHeardBy.put(reply.voterId, new Heard(p.eventsAfter, now));
                    }
                    p.heardClosing |= sent.closing;
                    p.voterId = reply.voterId;
                    if (registers != null) {
                        fire.addAll(registers.takes(reply.voterId, reply.registers));
                    }
                    p.version = reply.votersVersion;
                    p.lineage = reply.lineage;
                    clocks.sample(uuid, sent.wallMillis, now - sentNanos, reply.wallMillis);
                    clocks.name(uuid, reply.voterId);
                    credit(reply, sentNanos, fire);
                }
                case NEED_SNAPSHOT -> {
                    p.ackedSeq = -1;
                    if (registers != null) {
                        registers.notReceived(uuid, sent.registerOps);
                    }
                }
                case NOT_MEMBER -> log.debug("Member {} does not count this node as a member (yet)", uuid);
                case NOT_PARTICIPATING -> {
                    // No engine to tell: once its Baton starts it reads the records, and gets later events.
                    p.eventsAfter = Math.max(p.eventsAfter, sent.seq);
                    if (p.participating) {
                        log.debug("Member {} runs no Baton (yet): it counts towards no quorum", uuid);
                    }
                    p.participating = false;
                }
            }
            confirm(now, fire);
            settleWaiters();
            if (!upToDate(p) || (registers != null && registers.owes(uuid, p.voterId, now))) {
                wakeSender.run();
            }
        } finally {
            lock.unlock();
        }
        fire.forEach(Runnable::run);
        deliverDeferred();
    }

    /**
     * Counts what the reply says: an acknowledgement of the session, and of each lock the member
     * applied and records as ours, under the version it answered with. Only a member past its
     * start-up wait, of this lineage, counts.
     */
    private void credit(SessionReply reply, long sentNanos, List<Runnable> fire) {
        resetOnNewLineage();
        if (reply.warmingUp || !reply.lineage.equals(ackLineage) || reply.voterId.isEmpty()) {
            return;
        }
        String voter = reply.voterId;
        long version = reply.votersVersion;
        voterAcks.computeIfAbsent(voter, v -> new Acks()).record(version, sentNanos);
        Voters current = voters.current();
        for (Held h : new ArrayList<>(held.values())) {
            if (h.seq > reply.appliedSeq) {
                continue;
            }
            if (reply.refused.contains(h.worker)) {
                h.refusedBy.add(voter);
                if (!h.confirmed && hopeless(h, current)) {
                    log.debug("Lock on {} refused: too many voters know another live holder", h.worker);
                    held.remove(h.worker);
                    if (registers != null) {
                        fire.add(registers.cancel(h.worker));
                    }
                    CompletableFuture<Boolean> granted = h.granted;
                    fire.add(() -> granted.complete(false));
                    append(SessionOp.Kind.RELEASE, h.worker, false);
                }
            } else {
                h.refusedBy.remove(voter);
                h.support.computeIfAbsent(voter, v -> new Acks()).record(version, sentNanos);
            }
        }
    }

    /** Whether so many voters refuse a pending lock that no quorum of the current voters can grant it. */
    private boolean hopeless(Held h, Voters current) {
        long refusing = h.refusedBy.stream().filter(current::contains).count();
        return refusing > current.size() - current.quorum(minClusterSize);
    }

    void onFailure(String uuid, long sentNanos) {
        lock.lock();
        try {
            Peer p = peers.get(uuid);
            if (p != null && p.inFlightSentNanos == sentNanos) {
                p.inFlight = false;
            }
        } finally {
            lock.unlock();
        }
    }

    private void confirm(long now, List<Runnable> fire) {
        for (Held h : held.values()) {
            confirm(h, now, fire);
        }
    }

    private void confirm(Held h, long now, List<Runnable> fire) {
        if (!h.confirmed && !h.lost && now < validity(h)) {
            h.confirmed = true;
            CompletableFuture<Boolean> granted = h.granted;
            fire.add(() -> granted.complete(true));
        }
    }

    /** Until when a quorum of voters supports this lock, on this node's monotonic clock. */
    private long validity(Held h) {
        return validity(h.support);
    }

    /** Until when a quorum of voters acknowledges this session, on this node's monotonic clock. */
    long validUntil() {
        lock.lock();
        try {
            return validity(voterAcks);
        } finally {
            lock.unlock();
        }
    }

    /** {@code others}: the acknowledgements of every voter but this node, whose own are {@link #selfAcks}. */
    private long validity(Map<String, Acks> others) {
        Voters current = voters.current();
        long until = validityUnder(current, others);
        Voters previous = voters.previous().orElse(null);
        if (previous != null && previous.sameLineage(current)) {
            until = Math.max(until, validityUnder(previous, others));
        }
        return until;
    }

    /**
     * Called for every held lock on every round of the session loop, under {@link #lock}: so it sorts
     * in a buffer of its own rather than in a new array.
     */
    private long validityUnder(Voters config, Map<String, Acks> others) {
        int quorum = config.quorum(minClusterSize);
        if (config.isNone() || !config.lineage().equals(ackLineage) || config.size() < quorum) {
            return Long.MIN_VALUE;
        }
        String self = voters.voterId();
        List<String> ids = config.ids();
        int n = ids.size();
        if (ackTimes.length < n) {
            ackTimes = new long[Math.max(n, 2 * ackTimes.length)];
        }
        for (int i = 0; i < n; i++) {
            String voter = ids.get(i);
            Acks acks = voter.equals(self) ? selfAcks : others.get(voter);
            ackTimes[i] = acks == null ? Acks.NONE : acks.at(config.version());
        }
        Arrays.sort(ackTimes, 0, n);
        long quorumAck = ackTimes[n - quorum];
        return quorumAck == Acks.NONE ? Long.MIN_VALUE : quorumAck + leaseNanos;
    }

    /** How many voters a quorum takes now. */
    int quorum() {
        return voters.current().quorum(minClusterSize);
    }

    boolean isValid() {
        lock.lock();
        try {
            return clock.getAsLong() < validUntil();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks the validity of every lock and of the session. A lock whose support has lapsed is
     * lost for good; once the session's own validity has passed after having held, the session is
     * dead: every lock is lost, and it never renews again, so that nothing it held can come back
     * to block others.
     *
     * @return true if the session died now
     */
    boolean checkValidity(long now) {
        List<Runnable> fire = new ArrayList<>();
        boolean died = false;
        lock.lock();
        try {
            if (dead) {
                return false;
            }
            for (Held h : held.values()) {
                if (h.confirmed && !h.lost && now >= validity(h)) {
                    lose(h, "fewer than a quorum of voters still record it (" + quorum() + " needed)", fire);
                }
            }
            if (now < validUntil()) {
                wasValid = true;
            } else if (wasValid) {
                dead = true;
                died = true;
                for (Held h : held.values()) {
                    CompletableFuture<Boolean> granted = h.granted;
                    fire.add(() -> granted.complete(false));
                    if (h.confirmed && !h.lost) {
                        lose(h, "the session could not renew with a quorum of voters in time", fire);
                    }
                }
                waiters.forEach(w -> w.applied().complete(null));
                waiters.clear();
                if (registers != null) {
                    fire.addAll(registers.cancelAll());
                }
            }
        } finally {
            lock.unlock();
        }
        fire.forEach(Runnable::run);
        return died;
    }

    private void lose(Held h, String why, List<Runnable> fire) {
        h.lost = true;
        log.warn("Lease of worker {} lost: {}", h.worker, why);
        if (registers != null) {
            // Given up as at a release: the write may still be chosen, and the next holder's write finds it.
            fire.add(registers.cancel(h.worker));
        }
        fire.addAll(h.lostActions);
        h.lostActions.clear();
    }

    /** Announces that this node is leaving: others stop counting on it for the balance at once. */
    void closing() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            table.receive(stamp(SessionMessage.delta(id, nodeId, memberUuid.get(), seq, seq, List.of(), true), false),
                    deferred);
            announceNow = true;
            wakeSender.run();
        } finally {
            lock.unlock();
        }
        deliverDeferred();
    }

    /** Whether every member acknowledged everything up to now (used to bound a graceful close). */
    boolean allAcknowledged() {
        lock.lock();
        try {
            Voters mine = voters.current();
            return rounded && peers.values().stream()
                    .allMatch(p -> !p.participating || (upToDate(p) && !(closing && behindOnVoters(p, mine))));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the session replacing this dead one would tell one of the current {@code members} that run
     * Baton something: an action it deferred ({@code deferred}), or one this session carries that the
     * member missed. A member this session does not know (new, or back from a split under a new id), or
     * last saw run no Baton, would get every action not everyone heard.
     */
    boolean leavesUntold(Set<String> members, boolean deferred) {
        lock.lock();
        try {
            String self = memberUuid.get();
            List<SessionOp> unheard = unheardActions();
            for (String uuid : members) {
                if (uuid.equals(self)) {
                    continue;
                }
                // One it last saw run no Baton has started it since: it heard nothing from this session.
                Peer p = peers.get(uuid);
                boolean known = p != null && p.participating;
                if (deferred || (known ? unheard.stream().anyMatch(o -> missed(p, o)) : !unheard.isEmpty())) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the member did not hear the event, here or, for one carried, in the session it came from. */
    private boolean missed(Peer p, SessionOp o) {
        return o.seq() > p.eventsAfter && carriedFrom.getOrDefault(o.seq(), Long.MAX_VALUE)
                > predecessorHeard.getOrDefault(p.member.getUuid().toString(), -1L);
    }

    /** The triggers and pauses that not every process waited for heard; under the lock. */
    private List<SessionOp> unheardActions() {
        long heardBy = heardByAll(clock.getAsLong());
        return events.stream().map(Logged::op)
                .filter(o -> o.seq() > heardBy && o.kind() != SessionOp.Kind.RELEASE).toList();
    }

    /** Whether the member has every change, and, once closing, knows this session is closing (no change says so). */
    private boolean upToDate(Peer p) {
        return p.ackedSeq >= seq && (!closing || p.heardClosing);
    }

    /**
     * Whether the member answered with voters of this lineage older than this member's. A closing
     * session tells it the newer ones before its process exits (a close waits for that, see
     * {@link #allAcknowledged}): a leaver whose own removal's learn was lost on its way to the voter
     * staying, and which exited at once, left that voter on the configuration before, the leaver's
     * seat in it: two voters with one gone, for good (LeaverExitsBeforeTheOthersLearnTest). Members
     * of another lineage learn theirs elsewhere.
     */
    private boolean behindOnVoters(Peer p, Voters mine) {
        return p.lineage.equals(mine.lineage()) && p.version < mine.version();
    }

    /**
     * The processes whose acknowledgements count now: this one if it is warm, and every other that
     * answered under the current voters within the last lease, past its start-up wait.
     */
    Set<String> counting() {
        lock.lock();
        try {
            long now = clock.getAsLong();
            long version = voters.current().version();
            Set<String> counting = new HashSet<>();
            if (voters.warm()) {
                counting.add(voters.voterId());
            }
            voterAcks.forEach((voter, acks) -> {
                long at = acks.at(version);
                if (at != Acks.NONE && now - at < leaseNanos) {
                    counting.add(voter);
                }
            });
            return counting;
        } finally {
            lock.unlock();
        }
    }

    /** Members that answered they run no Baton: nobody to wait for there. */
    Set<String> notParticipating() {
        lock.lock();
        try {
            Set<String> out = new HashSet<>();
            peers.forEach((uuid, p) -> {
                if (!p.participating) {
                    out.add(uuid);
                }
            });
            return out;
        } finally {
            lock.unlock();
        }
    }

    int heldCount() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }
}
