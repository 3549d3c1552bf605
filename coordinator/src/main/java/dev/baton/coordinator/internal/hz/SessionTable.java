package dev.baton.coordinator.internal.hz;

import dev.baton.worker.spi.ClaimRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this member knows of every session in the cluster, its own included: when each was last
 * heard from (on this member's monotonic clock), which workers it holds, which it asked for and
 * was refused, which it can run. This is the lock table: a member records at most one session as
 * a worker's holder, refuses others while that one is alive here, and says in every reply which
 * of the sender's locks it records. A lock holds while a quorum of voters records it. See
 * {@code docs/lease-protocol.md}.
 */
public final class SessionTable {

    private static final Logger log = LoggerFactory.getLogger(SessionTable.class);

    /** What a table tells its node's engine. */
    public interface Listener {
        void triggered(String worker);

        /**
         * {@code token}: the action's, the record's pause token after it (0 if unknown); {@code madeAt}:
         * when it was made, epoch milliseconds (0 if unknown).
         */
        void pauseChanged(String worker, boolean paused, long token, long madeAt);

        void orphaned(String worker);

        void rebalanced();
    }

    /** What the voters' driver needs to know of a live session. */
    record SessionInfo(String session, String nodeId, String voterId, String memberUuid, boolean closing,
                       String lineage, long lastSeen) {
    }

    private static final int FORGOTTEN_KEPT = 4096;

    static final class Entry {
        final String id;
        String nodeId;
        String memberUuid;
        long lastSeen;
        /** The send stamp of the newest stamped message heard, if {@link #stamped}. */
        long lastSent;
        boolean stamped;
        long appliedSeq = -1;
        /** This member's engine heard the session's events up to here before it forgot the session. */
        long eventsFired = -1;
        final Set<String> held = new HashSet<>();
        /** Locks the session asked for that this member gave another session; with when they were refused. */
        final Map<String, Long> refused = new LinkedHashMap<>();
        Set<String> registered = new HashSet<>();
        boolean closing;
        boolean stale;
        String lineage = "";
        String voterId = "";

        Entry(String id) {
            this.id = id;
        }
    }

    private final long expiryNanos;
    /**
     * For sessions swept while alive (this member was split from them), how far their events were fired:
     * a session heard again comes back in a snapshot carrying the events it logged lately, some of them
     * fired here already; and the stamp of the newest message heard, so that a copy of an older one
     * arriving late does not bring the session back.
     */
    private final Map<String, Forgotten> forgotten = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Forgotten> eldest) {
            return size() > FORGOTTEN_KEPT;
        }
    };

    private record Forgotten(long eventsFired, boolean stamped, long lastSent) {
    }

    /**
     * For each member, the newest stamp heard from any of its sessions: a member's sessions share its
     * process's clock, and one session follows another only after the first died, so a session never
     * heard here whose message is older than that is an earlier one, dead, arriving late.
     */
    private final Map<String, Long> memberStamps = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > FORGOTTEN_KEPT;
        }
    };
    /**
     * Members whose session this table swept while it was not closing, and when: such a member's Baton may
     * still run, its own session dead and its replacement on the way (an expiry after the death).
     */
    private final Map<String, Long> lapsed = new HashMap<>();
    private final long staleNanos;
    private final LongSupplier clock;
    private final VoterState voters;
    private final FenceFloor floor;
    private final LongSupplier wallMillis;
    private final Map<String, Entry> sessions = new HashMap<>();
    private final Map<String, String> owners = new HashMap<>();
    private final Roles roles = new Roles();
    private long expiredSessions;
    private volatile Listener listener;
    /** This member's registers, or null while they are off (then register operations are ignored). */
    private volatile TableRegisters registers;
    private String self;
    /** Bumped under the lock on every change that can move a worker; read without it by {@link #role}. */
    private volatile long version;

    /**
     * @param expiryNanos a session not heard from for this long is dead: lease plus margin
     * @param staleNanos  a session not heard from for this long may be frozen: others step in for its idle workers
     */
    public SessionTable(long expiryNanos, long staleNanos, LongSupplier clock, VoterState voters, FenceFloor floor,
                        LongSupplier wallMillis) {
        this.expiryNanos = expiryNanos;
        this.staleNanos = staleNanos;
        this.clock = clock;
        this.voters = voters;
        this.floor = floor;
        this.wallMillis = wallMillis;
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    VoterState voters() {
        return voters;
    }

    void registers(TableRegisters registers) {
        this.registers = registers;
    }

    /** This member's registers, or null while they are off. */
    TableRegisters registers() {
        return registers;
    }

    /** Whether this member takes register operations: its own session then writes registers too. */
    boolean hasRegisters() {
        return registers != null;
    }

    synchronized void self(String sessionId) {
        this.self = sessionId;
        version++;
    }

    /** Applies a message from a session (this member's own included) and says what this table now records. */
    public SessionReply receive(SessionMessage m) {
        List<Runnable> events = new ArrayList<>();
        SessionReply reply = receive(m, events);
        deliver(events);
        return reply;
    }

    /**
     * Applies a message and adds the engine events it causes to {@code events} instead of delivering
     * them: the caller delivers them once it holds no lock of its own.
     */
    SessionReply receive(SessionMessage m, List<Runnable> events) {
        voters.learn(m.voters);
        floor.raise(m.fenceFloor);
        TableRegisters acceptor = registers;
        // Operations of another lineage are of another history: never taken as state here.
        List<TableRegisters.Judged> judged = acceptor == null || m.registerOps.isEmpty()
                || !m.lineage.equals(voters.current().lineage()) ? null : new ArrayList<>();
        SessionReply reply;
        synchronized (this) {
            reply = apply(m, clock.getAsLong(), events, judged);
        }
        if (judged != null && !judged.isEmpty()) {
            // Off the table's monitor: a register's work never holds up the lock's.
            acceptor.apply(m.session, m.memberUuid, judged);
        }
        Voters mine = voters.current();
        reply.warmingUp = !voters.warm();
        reply.voterId = voters.voterId();
        reply.lineage = mine.lineage();
        reply.votersVersion = mine.version();
        boolean senderBehind = !mine.lineage().equals(m.lineage) || mine.version() > m.votersVersion;
        reply.voters = senderBehind && !mine.isNone() ? mine : null;
        reply.fenceFloor = floor.get();
        reply.wallMillis = wallMillis.getAsLong();
        return reply;
    }

    /**
     * Applies a message under the table's monitor; {@code judged}, if not null, receives its register
     * operations, each judged where it stands among the message's lock changes.
     */
    private SessionReply apply(SessionMessage m, long now, List<Runnable> events, List<TableRegisters.Judged> judged) {
        Entry e = sessions.get(m.session);
        if (e == null) {
            Forgotten gone = forgotten.get(m.session);
            Long memberStamp = memberStamps.get(m.memberUuid);
            // A copy of a message older than the newest heard before the sweep (Hazelcast retrying an
            // operation, a late duplicate), or than the newest of a later session of its member, says
            // nothing about the session now: it brings back no lock.
            if (!m.snapshot || (gone != null && !newer(m, gone.stamped(), gone.lastSent()))
                    || (memberStamp != null && !newer(m, true, memberStamp))) {
                return SessionReply.of(SessionReply.Status.NEED_SNAPSHOT);
            }
            e = new Entry(m.session);
            forgotten.remove(m.session);
            e.eventsFired = gone == null ? -1 : gone.eventsFired();
            // The member's next session is here: whether its Baton runs, that session now says (closing or not).
            lapsed.remove(m.memberUuid);
            sessions.put(m.session, e);
            version++;
            events.add(this::fireRebalanced);
        } else if (m.seq < e.appliedSeq) {
            // A late duplicate: the answer is today's truth; it proves the session alive only if nothing sent
            // after it was heard (else the message heard proves more).
            if (newer(m, e.stamped, e.lastSent)) {
                heard(e, m, Math.max(e.lastSeen, now));
            }
            judge(e, registerOps(m, judged), 0, Long.MAX_VALUE, judged);
            return applied(e);
        } else if (!m.snapshot && m.baseSeq > e.appliedSeq) {
            // A gap: changes between what this member applied and the message's base are missing.
            return SessionReply.of(SessionReply.Status.NEED_SNAPSHOT);
        }
        // A copy of an older message (Hazelcast retrying an operation after a member joined or left)
        // arriving late proves nothing the newest message heard did not, and says nothing of where the
        // session runs now: a dead session must not live another expiry on it, nor a frozen one look awake.
        boolean fresh = newer(m, e.stamped, e.lastSent);
        // Which member a session runs on decides whether it takes part in the balance (a merge gives
        // members new UUIDs): a change must reach the cached roles like any other.
        boolean rebalance = fresh && (!m.memberUuid.equals(e.memberUuid) || !m.nodeId.equals(e.nodeId));
        if (fresh) {
            e.nodeId = m.nodeId;
            e.memberUuid = m.memberUuid;
            e.lineage = m.lineage;
            e.voterId = m.voterId;
        }
        if (m.snapshot) {
            for (SessionOp op : m.ops) {
                if (op.seq() > Math.max(e.appliedSeq, e.eventsFired) && op.isEvent()) {
                    events.add(event(op));
                }
            }
            rebalance |= applySnapshot(e, m, now);
        } else {
            // Each register operation is judged after the lock change it follows: an end followed by its
            // release is judged while the session still holds the lock. (Snapshots carry none.)
            List<RegisterOp> registerOps = registerOps(m, judged);
            int next = judge(e, registerOps, 0, e.appliedSeq, judged);
            for (SessionOp op : m.ops) {
                if (op.seq() > e.appliedSeq) {
                    rebalance |= applyOp(e, op, now, events);
                    next = judge(e, registerOps, next, op.seq(), judged);
                }
            }
            judge(e, registerOps, next, Long.MAX_VALUE, judged);
        }
        e.appliedSeq = Math.max(e.appliedSeq, m.seq);
        if (fresh) {
            heard(e, m, now);
            if (e.stale) {
                e.stale = false;
                rebalance = true;
            }
        }
        // A session never stops closing: a message sent before it said so, arriving late, leaves it closing. Its
        // entry stays until the session goes silent: the voters' changes that give its seat back count on it.
        if (m.closing && !e.closing) {
            e.closing = true;
            rebalance = true;
        }
        if (rebalance) {
            version++;
            events.add(this::fireRebalanced);
        }
        return applied(e);
    }

    /**
     * Whether {@code m} was sent after the newest stamped message heard ({@code lastSent}, if {@code stamped});
     * a message without a stamp (an older release) always counts. Stamps are compared as a difference.
     */
    private static boolean newer(SessionMessage m, boolean stamped, long lastSent) {
        return !m.stamped || !stamped || m.sentNanos - lastSent > 0;
    }

    private void heard(Entry e, SessionMessage m, long at) {
        e.lastSeen = at;
        if (m.stamped) {
            e.stamped = true;
            e.lastSent = m.sentNanos;
            memberStamps.merge(m.memberUuid, m.sentNanos, (a, b) -> b - a > 0 ? b : a);
        }
    }

    private SessionReply applied(Entry e) {
        SessionReply reply = SessionReply.applied(e.appliedSeq, Set.copyOf(e.refused.keySet()));
        reply.registers = registers != null;
        return reply;
    }

    /** The message's register operations by the lock change they follow, or none if registers are off. */
    private static List<RegisterOp> registerOps(SessionMessage m, List<TableRegisters.Judged> judged) {
        if (judged == null) {
            return List.of();
        }
        List<RegisterOp> ordered = new ArrayList<>(m.registerOps);
        ordered.sort(java.util.Comparator.comparingLong(RegisterOp::afterSeq));
        return ordered;
    }

    /**
     * Judges the operations from {@code from} on that follow a lock change at or before {@code through}:
     * whether the session holds the worker in this table now. Returns where the next judging starts.
     */
    private static int judge(Entry e, List<RegisterOp> ops, int from, long through, List<TableRegisters.Judged> judged) {
        int i = from;
        for (; i < ops.size() && ops.get(i).afterSeq() <= through; i++) {
            RegisterOp op = ops.get(i);
            judged.add(new TableRegisters.Judged(op, e.held.contains(op.operation().worker())));
        }
        return i;
    }

    private boolean applySnapshot(Entry e, SessionMessage m, long now) {
        for (String w : new ArrayList<>(e.held)) {
            if (!m.held.contains(w)) {
                unlock(e, w, now);
            }
        }
        e.refused.keySet().retainAll(m.held);
        for (String w : m.held) {
            if (!e.held.contains(w)) {
                acquire(e, w, now);
            }
        }
        if (!e.registered.equals(m.registered)) {
            e.registered = new HashSet<>(m.registered);
            return true;
        }
        return false;
    }

    private boolean applyOp(Entry e, SessionOp op, long now, List<Runnable> events) {
        String w = op.worker();
        if (op.isEvent() && op.seq() > e.eventsFired) {
            events.add(event(op));
        }
        switch (op.kind()) {
            case ACQUIRE -> acquire(e, w, now);
            case RELEASE -> {
                e.refused.remove(w);
                unlock(e, w, now);
            }
            case REGISTER -> {
                return e.registered.add(w);
            }
            case UNREGISTER -> {
                return e.registered.remove(w);
            }
            case TRIGGER, PAUSE -> { }
        }
        return false;
    }

    private Runnable event(SessionOp op) {
        String w = op.worker();
        return switch (op.kind()) {
            case RELEASE -> () -> fire(l -> l.orphaned(w));
            case TRIGGER -> () -> fire(l -> l.triggered(w));
            case PAUSE -> () -> fire(l -> l.pauseChanged(w, op.flag(), op.token(), op.madeAt()));
            case ACQUIRE, REGISTER, UNREGISTER -> throw new IllegalArgumentException(op + " tells the engines nothing");
        };
    }

    /** Records {@code e} as {@code w}'s holder unless a session alive here holds it; else remembers the refusal. */
    private void acquire(Entry e, String w, long now) {
        if (lock(e, w, now)) {
            e.refused.remove(w);
        } else {
            e.refused.putIfAbsent(w, now);
        }
    }

    private boolean lock(Entry e, String w, long now) {
        String owner = owners.get(w);
        if (owner != null && !owner.equals(e.id)) {
            Entry holder = sessions.get(owner);
            // This member's own session is never taken from: it ends only by release or by its own expiry.
            if (holder != null && (owner.equals(self) || now - holder.lastSeen <= expiryNanos)) {
                return false;
            }
            if (holder != null) {
                holder.held.remove(w);
                holder.refused.putIfAbsent(w, now);
            }
        }
        owners.put(w, e.id);
        e.held.add(w);
        return true;
    }

    private void unlock(Entry e, String w, long now) {
        if (e.held.remove(w) && owners.remove(w, e.id)) {
            handOver(w, now);
        }
    }

    /**
     * A lock this member recorded for nobody else: give it to the live session, not leaving, that
     * was refused it longest ago, as if its request arrived now. A holder that a quorum confirmed while this member
     * still knew an older holder gets this member's record back this way.
     */
    private void handOver(String w, long now) {
        Entry next = null;
        long since = Long.MAX_VALUE;
        for (Entry e : sessions.values()) {
            Long at = e.refused.get(w);
            if (at != null && at < since && now - e.lastSeen <= expiryNanos && !e.closing) {
                next = e;
                since = at;
            }
        }
        if (next != null) {
            next.refused.remove(w);
            owners.put(w, next.id);
            next.held.add(w);
        }
    }

    /**
     * Forgets a session of this node that expired and was replaced; its locks are free here, and
     * what it ran is orphaned. Called only once every member has expired it too.
     */
    void forget(String sessionId) {
        List<Runnable> events = new ArrayList<>();
        synchronized (this) {
            Entry e = sessions.remove(sessionId);
            if (e == null) {
                return;
            }
            release(e, events);
            version++;
            events.add(this::fireRebalanced);
        }
        deliver(events);
    }

    private void release(Entry e, List<Runnable> events) {
        long now = clock.getAsLong();
        for (String w : e.held) {
            if (owners.remove(w, e.id)) {
                handOver(w, now);
            }
            events.add(() -> fire(l -> l.orphaned(w)));
        }
    }

    /** Forgets sessions not heard from within the expiry: their workers' locks are free, their runs orphaned. */
    public void sweep() {
        List<Runnable> events = new ArrayList<>();
        synchronized (this) {
            long now = clock.getAsLong();
            forgetOldLapses(now);
            boolean rebalance = false;
            List<Entry> expired = new ArrayList<>();
            for (Iterator<Entry> it = sessions.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.id.equals(self)) {
                    continue;
                }
                long silent = now - e.lastSeen;
                if (silent > expiryNanos) {
                    it.remove();
                    forgotten.put(e.id, new Forgotten(Math.max(e.appliedSeq, e.eventsFired), e.stamped, e.lastSent));
                    expired.add(e);
                    // A closing session that let go of every lock went as it said; one still holding expired.
                    expiredSessions += e.closing && e.held.isEmpty() ? 0 : 1;
                    rebalance = true;
                } else if (!e.stale && silent > staleNanos) {
                    e.stale = true;
                    rebalance = true;
                }
            }
            for (Entry e : expired) {
                // Unless the member's next session came first: that one says whether its Baton runs.
                if (!e.closing && e.memberUuid != null
                        && sessions.values().stream().noneMatch(o -> e.memberUuid.equals(o.memberUuid))) {
                    lapsed.put(e.memberUuid, now);
                }
            }
            expired.forEach(e -> release(e, events));
            if (rebalance) {
                version++;
                events.add(this::fireRebalanced);
            }
        }
        deliver(events);
    }

    /**
     * This node's role for {@code worker}: the balance over the sessions of current members that
     * registered it picks the preferred node; if that node's session has gone silent, the first
     * live node after it in the worker's rendezvous order steps in.
     */
    public ClaimRole role(String worker, Set<String> memberUuids) {
        long v = version;
        ClaimRole cached = roles.cached(worker, v, memberUuids);
        if (cached != null) {
            return cached;
        }
        synchronized (this) {
            return roles.rebuild(version, memberUuids, candidates(memberUuids), sessions.get(self),
                    clock.getAsLong()).getOrDefault(worker, ClaimRole.STANDBY);
        }
    }

    /** Whether this node's roles changed less than {@code windowNanos} ago. */
    public boolean rolesChangedWithin(long windowNanos) {
        return roles.changedWithin(clock.getAsLong(), windowNanos);
    }

    /** The sessions that take part in the balance: this one, and those of current members not closing. */
    private Map<String, Roles.Candidate> candidates(Set<String> memberUuids) {
        Map<String, Roles.Candidate> candidates = new java.util.TreeMap<>();
        for (Entry e : sessions.values()) {
            boolean alive = e.id.equals(self) || memberUuids.contains(e.memberUuid);
            if (alive && !e.closing) {
                candidates.putIfAbsent(e.nodeId, new Roles.Candidate(e.nodeId, e.registered, e.stale, e.id.equals(self)));
            }
        }
        return candidates;
    }

    /** For each node, the workers the balance gives it (as this member sees it). */
    public synchronized Map<String, String> assignment(Set<String> memberUuids) {
        return Roles.assign(candidates(memberUuids));
    }

    /** For each locked worker, the node whose session holds it. */
    public synchronized Map<String, String> holders() {
        Map<String, String> holders = new HashMap<>();
        owners.forEach((worker, session) -> {
            Entry e = sessions.get(session);
            if (e != null) {
                holders.put(worker, e.nodeId);
            }
        });
        return holders;
    }

    /** Sessions of other nodes this member saw expire, since it started. */
    public synchronized long expiredSessions() {
        return expiredSessions;
    }

    /** The node whose session holds {@code worker}'s lock, if any. */
    public synchronized Optional<String> holder(String worker) {
        return Optional.ofNullable(owners.get(worker)).map(sessions::get).map(e -> e.nodeId);
    }

    /** Whether the session is alive here (heard from within the expiry, or this member's own). */
    synchronized boolean alive(String sessionId) {
        Entry e = sessions.get(sessionId);
        return e != null && (e.id.equals(self) || clock.getAsLong() - e.lastSeen <= expiryNanos);
    }

    /** Whether this member records {@code session} as {@code worker}'s holder and considers it alive. */
    synchronized boolean records(String worker, String session) {
        Entry e = sessions.get(session);
        return session.equals(owners.get(worker)) && e != null
                && (session.equals(self) || clock.getAsLong() - e.lastSeen <= expiryNanos);
    }

    /** Node ids of the sessions this member knows, alive or not yet expired. */
    public synchronized List<String> nodes() {
        return sessions.values().stream().map(e -> e.nodeId).sorted().toList();
    }

    /**
     * Members whose session, not closing, this table swept within the last two expiries: their Baton may
     * still run (see {@link #lapsed}).
     */
    synchronized Set<String> lapsedMembers() {
        forgetOldLapses(clock.getAsLong());
        return Set.copyOf(lapsed.keySet());
    }

    private void forgetOldLapses(long now) {
        lapsed.values().removeIf(at -> now - at > 2 * expiryNanos);
    }

    /** The live sessions, for the voters' driver. */
    synchronized List<SessionInfo> sessions() {
        List<SessionInfo> out = new ArrayList<>();
        for (Entry e : sessions.values()) {
            out.add(new SessionInfo(e.id, e.nodeId, e.voterId, e.memberUuid, e.closing, e.lineage,
                    e.lastSeen));
        }
        return out;
    }

    private void fireRebalanced() {
        fire(Listener::rebalanced);
    }

    private void fire(Consumer<Listener> event) {
        Listener l = listener;
        if (l == null) {
            return;
        }
        try {
            event.accept(l);
        } catch (RuntimeException e) {
            // The engine's reaction must never break the lock table or a renewal.
            log.warn("A coordination event handler failed", e);
        }
    }

    private static void deliver(List<Runnable> events) {
        events.forEach(Runnable::run);
    }
}
