package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
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
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's session: the ordered changes it announces, the locks it holds or asks for, and
 * what every other member acknowledged. The session is valid until (send time of the renewal
 * that the quorum-th member acknowledged) + lease, on this node's monotonic clock; a lock is
 * granted when a quorum of members, this one included, applied the request without refusing it.
 */
final class LocalSession {

    private static final Logger log = LoggerFactory.getLogger(LocalSession.class);
    /** Beyond this many unacknowledged changes a member gets a snapshot instead of the log. */
    private static final int MAX_LOG = 50_000;

    /** A message to send to one member. */
    record Outgoing(Member member, SessionMessage message, long sentNanos) {
    }

    private static final class Held {
        final long seq;
        final CompletableFuture<Boolean> granted = new CompletableFuture<>();
        final List<Runnable> lostActions = new ArrayList<>();
        boolean confirmed;
        boolean lost;

        Held(long seq) {
            this.seq = seq;
        }
    }

    private static final class Peer {
        final Member member;
        long ackedSeq = -1;
        long voteSeq = -1;
        long lastAckSentNanos = Long.MIN_VALUE;
        boolean inFlight;
        long inFlightSentNanos;
        boolean participating = true;

        Peer(Member member) {
            this.member = member;
        }
    }

    final String id;
    private final String nodeId;
    private final java.util.function.Supplier<String> memberUuid;
    private final SessionTable table;
    private final LongSupplier clock;
    private final long leaseNanos;
    private final int minClusterSize;
    private final Runnable wakeSender;
    private final java.util.concurrent.atomic.LongAdder renewals;
    private final ArrayDeque<SessionOp> changes = new ArrayDeque<>();
    private final Map<String, Held> held = new HashMap<>();
    private final Set<String> registered = new TreeSet<>();
    private final Map<String, Peer> peers = new HashMap<>();
    private final Map<CompletableFuture<Void>, Long> waiters = new HashMap<>();
    private long seq;
    private long selfAckNanos;
    private long selfVoteSeq = -1;
    private boolean closing;
    private boolean wasValid;
    private boolean dead;

    /**
     * @param memberUuid the local member's current UUID (it changes when a member merges back after a split)
     * @param registered the workers this node runs, carried over from the session this one replaces
     */
    LocalSession(String id, String nodeId, java.util.function.Supplier<String> memberUuid, Set<String> registered,
                 SessionTable table, LongSupplier clock, long leaseNanos, int minClusterSize, Runnable wakeSender,
                 java.util.concurrent.atomic.LongAdder renewals) {
        this.id = id;
        this.nodeId = nodeId;
        this.memberUuid = memberUuid;
        this.table = table;
        this.clock = clock;
        this.leaseNanos = leaseNanos;
        this.minClusterSize = minClusterSize;
        this.wakeSender = wakeSender;
        this.renewals = renewals;
        this.selfAckNanos = clock.getAsLong();
        this.registered.addAll(registered);
        table.self(id);
        table.receive(SessionMessage.snapshot(id, nodeId, memberUuid.get(), 0, Set.of(), Set.copyOf(registered), false));
    }

    /** Asks the cluster for the worker's lock; completes true when a quorum granted it. */
    CompletableFuture<Boolean> acquire(String worker) {
        synchronized (this) {
            if (held.containsKey(worker) || closing || dead) {
                return CompletableFuture.completedFuture(false);
            }
            SessionReply own = append(SessionOp.Kind.ACQUIRE, worker, false);
            if (!own.warmingUp) {
                selfVoteSeq = seq;
            }
            if (!own.rejected.isEmpty()) {
                log.debug("Lock on {} refused by this member's own table: {} holds it", worker,
                        table.holder(worker).orElse("?"));
                append(SessionOp.Kind.RELEASE, worker, false);
                return CompletableFuture.completedFuture(false);
            }
            Held h = new Held(seq);
            held.put(worker, h);
            confirm(clock.getAsLong());
            return h.granted;
        }
    }

    /**
     * Gives the lock back; {@code unfinished}: the slot did not finish and others may re-run it.
     *
     * @return completes when every member has applied the release, so that any node can claim next
     */
    CompletableFuture<Void> release(String worker, boolean unfinished) {
        synchronized (this) {
            Held h = held.remove(worker);
            if (h == null || dead) {
                return CompletableFuture.completedFuture(null);
            }
            h.granted.complete(false);
            append(SessionOp.Kind.RELEASE, worker, unfinished);
            CompletableFuture<Void> applied = new CompletableFuture<>();
            waiters.put(applied, seq);
            settleWaiters();
            return applied;
        }
    }

    /** Completes the waiters whose change every participating member has applied. */
    private void settleWaiters() {
        if (waiters.isEmpty()) {
            return;
        }
        long everywhere = peers.values().stream().filter(p -> p.participating).mapToLong(p -> p.ackedSeq).min()
                .orElse(seq);
        waiters.entrySet().removeIf(w -> {
            if (w.getValue() <= everywhere) {
                w.getKey().complete(null);
                return true;
            }
            return false;
        });
    }

    synchronized void announce(SessionOp.Kind kind, String worker, boolean flag) {
        if (kind == SessionOp.Kind.REGISTER) {
            registered.add(worker);
        } else if (kind == SessionOp.Kind.UNREGISTER) {
            registered.remove(worker);
        }
        if (!dead) {
            append(kind, worker, flag);
        }
    }

    synchronized Set<String> registered() {
        return Set.copyOf(registered);
    }

    /** Whether this session has expired: it announces nothing more, and a new session replaces it. */
    synchronized boolean isDead() {
        return dead;
    }

    /** Whether this session holds a granted, not lost lock on the worker and is itself valid. */
    synchronized boolean holds(String worker) {
        Held h = held.get(worker);
        return !dead && h != null && h.confirmed && !h.lost && clock.getAsLong() < validUntil();
    }

    /** Runs {@code action} once when the lock on {@code worker} is lost (now, if it already is). */
    void onLost(String worker, Runnable action) {
        boolean now;
        synchronized (this) {
            Held h = held.get(worker);
            now = h == null || h.lost;
            if (!now) {
                h.lostActions.add(action);
            }
        }
        if (now) {
            action.run();
        }
    }

    private SessionReply append(SessionOp.Kind kind, String worker, boolean flag) {
        long base = seq;
        SessionOp op = new SessionOp(++seq, kind, worker, flag);
        changes.addLast(op);
        SessionReply own = table.receive(SessionMessage.delta(id, nodeId, memberUuid.get(), base, seq, List.of(op), closing));
        wakeSender.run();
        return own;
    }

    /** The messages of one round: to every idle member that lacks changes, or to all on a heartbeat. */
    synchronized List<Outgoing> round(Set<Member> members, long now, boolean heartbeat) {
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
        settleWaiters();
        selfAckNanos = now;
        SessionReply own = table.receive(SessionMessage.delta(id, nodeId, self, seq, seq, List.of(), closing));
        if (!own.warmingUp) {
            selfVoteSeq = seq;
            confirm(now);
        }
        List<Outgoing> out = new ArrayList<>();
        long firstLogged = changes.isEmpty() ? seq + 1 : changes.peekFirst().seq();
        for (Peer p : peers.values()) {
            // A message lost on the way must not silence this member for long: send again after a fifth of the lease.
            if (p.inFlight && now - p.inFlightSentNanos > leaseNanos / 5) {
                p.inFlight = false;
            }
            if (p.inFlight || (!heartbeat && p.ackedSeq >= seq)) {
                continue;
            }
            SessionMessage message;
            if (p.ackedSeq < 0 || p.ackedSeq + 1 < firstLogged) {
                message = SessionMessage.snapshot(id, nodeId, self, seq, new HashSet<>(held.keySet()),
                        new HashSet<>(registered), closing);
            } else {
                List<SessionOp> ops = changes.stream().filter(o -> o.seq() > p.ackedSeq).toList();
                message = SessionMessage.delta(id, nodeId, self, p.ackedSeq, seq, ops, closing);
            }
            p.inFlight = true;
            p.inFlightSentNanos = now;
            out.add(new Outgoing(p.member, message, now));
        }
        trimLog();
        return out;
    }

    private void trimLog() {
        long keepAfter = peers.values().stream().mapToLong(p -> p.ackedSeq).min().orElse(seq);
        while (!changes.isEmpty() && (changes.peekFirst().seq() <= keepAfter || changes.size() > MAX_LOG)) {
            changes.pollFirst();
        }
    }

    /** A member answered a message sent at {@code sentNanos}. */
    void onReply(String uuid, SessionMessage sent, long sentNanos, SessionReply reply) {
        List<Runnable> fire = new ArrayList<>();
        synchronized (this) {
            Peer p = peers.get(uuid);
            if (p == null) {
                return;
            }
            if (p.inFlightSentNanos == sentNanos) {
                p.inFlight = false;
            }
            switch (reply.status) {
                case APPLIED -> {
                    renewals.increment();
                    p.participating = true;
                    p.ackedSeq = Math.max(p.ackedSeq, sent.seq);
                    p.lastAckSentNanos = Math.max(p.lastAckSentNanos, sentNanos);
                    if (!reply.warmingUp) {
                        p.voteSeq = Math.max(p.voteSeq, sent.seq);
                    }
                    for (String w : reply.rejected) {
                        refused(w, uuid, fire);
                    }
                }
                case NEED_SNAPSHOT -> p.ackedSeq = -1;
                case NOT_MEMBER -> log.debug("Member {} does not count this node as a member (yet)", uuid);
                case NOT_PARTICIPATING -> {
                    table.notParticipating(uuid);
                    if (p.participating) {
                        log.debug("Member {} runs no Baton (yet): it counts towards the quorum but does not vote",
                                uuid);
                    }
                    p.participating = false;
                }
            }
            confirm(clock.getAsLong());
            settleWaiters();
            if (p.ackedSeq < seq) {
                wakeSender.run();
            }
        }
        fire.forEach(Runnable::run);
    }

    synchronized void onFailure(String uuid, long sentNanos) {
        Peer p = peers.get(uuid);
        if (p != null && p.inFlightSentNanos == sentNanos) {
            p.inFlight = false;
        }
    }

    /** Another live session holds the worker for some member: a pending request fails, a granted lock is lost. */
    private void refused(String worker, String member, List<Runnable> fire) {
        Held h = held.get(worker);
        if (h == null) {
            return;
        }
        if (!h.confirmed) {
            held.remove(worker);
            h.granted.complete(false);
            append(SessionOp.Kind.RELEASE, worker, false);
        } else {
            lose(worker, h, "member " + member + " knows another live holder", fire);
        }
    }

    private void confirm(long now) {
        if (now >= validUntil()) {
            return;
        }
        int quorum = quorum();
        for (Held h : held.values()) {
            if (!h.confirmed && votes(h.seq) >= quorum) {
                h.confirmed = true;
                h.granted.complete(true);
            }
        }
    }

    private int votes(long seq) {
        int votes = selfVoteSeq >= seq ? 1 : 0;
        for (Peer p : peers.values()) {
            if (p.voteSeq >= seq) {
                votes++;
            }
        }
        return votes;
    }

    int quorum() {
        return Math.max(minClusterSize, (peers.size() + 1) / 2 + 1);
    }

    /** The end of this session's validity, on this node's monotonic clock. */
    synchronized long validUntil() {
        int quorum = quorum();
        long[] acks = new long[peers.size() + 1];
        int i = 0;
        acks[i++] = selfAckNanos;
        for (Peer p : peers.values()) {
            acks[i++] = p.lastAckSentNanos;
        }
        if (acks.length < quorum) {
            return Long.MIN_VALUE;
        }
        Arrays.sort(acks);
        long quorumAck = acks[acks.length - quorum];
        return quorumAck == Long.MIN_VALUE ? Long.MIN_VALUE : quorumAck + leaseNanos;
    }

    synchronized boolean isValid() {
        return clock.getAsLong() < validUntil();
    }

    /**
     * Once the validity has passed, every granted lock is lost. Pending requests wait for their
     * own timeout: a session that just started is not valid yet either.
     */
    /**
     * Checks the validity; once it has passed after having held, the session is dead: every
     * granted lock is lost, and it never renews again, so that nothing it held can come back
     * to block others. (Pending requests wait for their own timeout: a session that just
     * started is not valid yet either.)
     *
     * @return true if the session died now
     */
    boolean checkValidity(long now) {
        List<Runnable> fire = new ArrayList<>();
        synchronized (this) {
            if (dead) {
                return false;
            }
            if (now < validUntil()) {
                wasValid = true;
                return false;
            }
            if (!wasValid) {
                return false;
            }
            dead = true;
            for (Map.Entry<String, Held> e : held.entrySet()) {
                Held h = e.getValue();
                h.granted.complete(false);
                if (h.confirmed && !h.lost) {
                    lose(e.getKey(), h, "the session could not renew with a quorum of members in time", fire);
                }
            }
            waiters.keySet().forEach(w -> w.complete(null));
            waiters.clear();
        }
        fire.forEach(Runnable::run);
        return true;
    }

    private void lose(String worker, Held h, String why, List<Runnable> fire) {
        h.lost = true;
        log.warn("Lease of worker {} lost: {}", worker, why);
        fire.addAll(h.lostActions);
        h.lostActions.clear();
    }

    synchronized void closing() {
        closing = true;
        wakeSender.run();
    }

    /** Whether every member acknowledged everything up to now (used to bound a graceful close). */
    synchronized boolean allAcknowledged() {
        return peers.values().stream().allMatch(p -> !p.participating || p.ackedSeq >= seq);
    }

    synchronized int heldCount() {
        return held.size();
    }
}
