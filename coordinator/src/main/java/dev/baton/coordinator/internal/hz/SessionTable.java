package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.Balance;
import dev.baton.coordinator.internal.Rendezvous;
import dev.baton.worker.spi.ClaimRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What this member knows of every session in the cluster, its own included: when each was last
 * heard from (on this member's monotonic clock), which workers it holds, which it can run. This
 * is the lock table: a member refuses a session's lock on a worker while another session that it
 * still considers alive holds it. A lock is granted when a quorum of members accepted it, so two
 * live holders would need two disjoint quorums. See {@code docs/lease-protocol.md}.
 */
public final class SessionTable {

    /** What a table tells its node's engine. */
    public interface Listener {
        void triggered(String worker);

        void pauseChanged(String worker, boolean paused);

        void orphaned(String worker);

        void rebalanced();
    }

    private static final class Entry {
        final String id;
        String nodeId;
        String memberUuid;
        long lastSeen;
        long appliedSeq = -1;
        final Set<String> held = new HashSet<>();
        Set<String> registered = new HashSet<>();
        boolean closing;
        boolean stale;

        Entry(String id) {
            this.id = id;
        }
    }

    private final long expiryNanos;
    private final long staleNanos;
    private final LongSupplier clock;
    private final Supplier<Set<String>> otherMemberUuids;
    private final long startedAt;
    private final Map<String, Entry> sessions = new HashMap<>();
    private final Map<String, String> owners = new HashMap<>();
    private final Set<String> notParticipating = new HashSet<>();
    private long expiredSessions;
    private volatile Listener listener;
    private String self;
    private boolean warm;
    /**
     * Bumped under the lock on every change that can move a worker (sessions, registrations,
     * closings, staleness, this node's own session); read without it by {@link #role}.
     */
    private volatile long version;
    /**
     * This node's role for each of its workers, as of {@code version} and a member set. Every
     * execution asks for its role at its slot, hundreds at the same instant: they read this
     * snapshot instead of queueing on the table's lock, which the session's own changes need.
     */
    private volatile RoleView roleView;

    private record RoleView(long version, Set<String> members, Map<String, ClaimRole> roles) {
    }
    private long assignedVersion = -1;
    private Set<String> assignedMembers = Set.of();
    private Map<String, String> assignment = Map.of();

    /**
     * @param expiryNanos      a session not heard from for this long is dead: lease plus margin
     * @param staleNanos       a session not heard from for this long may be frozen: others step in for its idle workers
     * @param otherMemberUuids the current members other than this one, to know when this table has heard from all
     */
    public SessionTable(long expiryNanos, long staleNanos, LongSupplier clock, Supplier<Set<String>> otherMemberUuids) {
        this.expiryNanos = expiryNanos;
        this.staleNanos = staleNanos;
        this.clock = clock;
        this.otherMemberUuids = otherMemberUuids;
        this.startedAt = clock.getAsLong();
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    synchronized void self(String sessionId) {
        this.self = sessionId;
        version++;
    }

    /** Applies a message from another member's session. */
    public SessionReply receive(SessionMessage m) {
        List<Runnable> events = new ArrayList<>();
        SessionReply reply;
        synchronized (this) {
            reply = apply(m, clock.getAsLong(), events);
        }
        deliver(events);
        return reply;
    }

    private SessionReply apply(SessionMessage m, long now, List<Runnable> events) {
        Entry e = sessions.get(m.session);
        if (e == null) {
            if (!m.snapshot) {
                return SessionReply.of(SessionReply.Status.NEED_SNAPSHOT, false, List.of());
            }
            e = new Entry(m.session);
            sessions.put(m.session, e);
            version++;
            events.add(this::fireRebalanced);
        } else if (m.seq < e.appliedSeq) {
            return SessionReply.of(SessionReply.Status.APPLIED, !isWarm(now), List.of());
        } else if (!m.snapshot && m.baseSeq != e.appliedSeq) {
            return SessionReply.of(SessionReply.Status.NEED_SNAPSHOT, false, List.of());
        }
        e.nodeId = m.nodeId;
        e.memberUuid = m.memberUuid;
        List<String> rejected = new ArrayList<>();
        boolean rebalance = false;
        if (m.snapshot) {
            for (String w : new ArrayList<>(e.held)) {
                if (!m.held.contains(w)) {
                    unlock(e, w);
                }
            }
            for (String w : m.held) {
                if (!e.held.contains(w) && !lock(e, w, now)) {
                    rejected.add(w);
                }
            }
            if (!e.registered.equals(m.registered)) {
                e.registered = new HashSet<>(m.registered);
                rebalance = true;
            }
        } else {
            for (SessionOp op : m.ops) {
                if (op.seq() <= e.appliedSeq) {
                    continue;
                }
                String w = op.worker();
                switch (op.kind()) {
                    case ACQUIRE -> {
                        if (!lock(e, w, now)) {
                            rejected.add(w);
                        }
                    }
                    case RELEASE -> {
                        unlock(e, w);
                        if (op.flag()) {
                            events.add(() -> fire(l -> l.orphaned(w)));
                        }
                    }
                    case REGISTER -> rebalance |= e.registered.add(w);
                    case UNREGISTER -> rebalance |= e.registered.remove(w);
                    case TRIGGER -> events.add(() -> fire(l -> l.triggered(w)));
                    case PAUSE -> events.add(() -> fire(l -> l.pauseChanged(w, op.flag())));
                }
            }
        }
        e.appliedSeq = m.seq;
        e.lastSeen = now;
        if (e.stale) {
            e.stale = false;
            rebalance = true;
        }
        if (e.closing != m.closing) {
            e.closing = m.closing;
            rebalance = true;
        }
        if (m.closing && e.held.isEmpty() && !m.session.equals(self)) {
            sessions.remove(e.id);
            rebalance = true;
        }
        if (rebalance) {
            version++;
            events.add(this::fireRebalanced);
        }
        return SessionReply.of(SessionReply.Status.APPLIED, !isWarm(now), rejected);
    }

    /** Grants {@code w} to {@code e} unless a session this member considers alive holds it. */
    private boolean lock(Entry e, String w, long now) {
        String owner = owners.get(w);
        if (owner != null && !owner.equals(e.id)) {
            Entry holder = sessions.get(owner);
            if (holder != null && now - holder.lastSeen <= expiryNanos) {
                return false;
            }
            if (holder != null) {
                holder.held.remove(w);
            }
        }
        owners.put(w, e.id);
        e.held.add(w);
        return true;
    }

    private void unlock(Entry e, String w) {
        e.held.remove(w);
        owners.remove(w, e.id);
    }

    private boolean isWarm(long now) {
        if (warm) {
            return true;
        }
        if (now - startedAt > expiryNanos) {
            warm = true;
            return true;
        }
        Set<String> heard = new HashSet<>(notParticipating);
        sessions.values().forEach(s -> heard.add(s.memberUuid));
        warm = heard.containsAll(otherMemberUuids.get());
        return warm;
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
            for (String w : e.held) {
                owners.remove(w, e.id);
                events.add(() -> fire(l -> l.orphaned(w)));
            }
            version++;
            events.add(this::fireRebalanced);
        }
        deliver(events);
    }

    /** A member answered that it runs no Baton: there is no session of it to wait for. */
    synchronized void notParticipating(String memberUuid) {
        notParticipating.add(memberUuid);
    }

    /** Forgets sessions not heard from within the expiry: their workers' locks are free, their runs orphaned. */
    public void sweep() {
        List<Runnable> events = new ArrayList<>();
        synchronized (this) {
            long now = clock.getAsLong();
            boolean rebalance = false;
            for (Iterator<Entry> it = sessions.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.id.equals(self)) {
                    continue;
                }
                long silent = now - e.lastSeen;
                if (silent > expiryNanos) {
                    it.remove();
                    expiredSessions++;
                    for (String w : e.held) {
                        owners.remove(w, e.id);
                        events.add(() -> fire(l -> l.orphaned(w)));
                    }
                    rebalance = true;
                } else if (!e.stale && silent > staleNanos) {
                    e.stale = true;
                    rebalance = true;
                }
            }
            if (rebalance) {
                version++;
                events.add(this::fireRebalanced);
            }
        }
        deliver(events);
    }

    /**
     * This node's role for {@code worker}: the balance ({@link Balance}) over the sessions of
     * current members that registered it picks the preferred node; if that node's session has
     * gone silent, the first live node after it in the worker's rendezvous order steps in.
     */
    public ClaimRole role(String worker, Set<String> memberUuids) {
        RoleView view = roleView;
        if (view == null || view.version() != version || !view.members().equals(memberUuids)) {
            view = rebuildRoles(memberUuids);
        }
        return view.roles().getOrDefault(worker, ClaimRole.STANDBY);
    }

    private synchronized RoleView rebuildRoles(Set<String> memberUuids) {
        RoleView view = roleView;
        if (view != null && view.version() == version && view.members().equals(memberUuids)) {
            return view;
        }
        Map<String, ClaimRole> roles = new HashMap<>();
        Entry mine = sessions.get(self);
        if (mine != null) {
            Map<String, Entry> candidates = candidates(memberUuids);
            if (assignedVersion != version || !assignedMembers.equals(memberUuids)) {
                Map<String, Set<String>> registered = new HashMap<>();
                candidates.forEach((node, e) -> registered.put(node, e.registered));
                assignment = Balance.assign(registered);
                assignedVersion = version;
                assignedMembers = Set.copyOf(memberUuids);
            }
            for (String worker : mine.registered) {
                roles.put(worker, roleOf(worker, mine, candidates));
            }
        }
        view = new RoleView(version, Set.copyOf(memberUuids), Map.copyOf(roles));
        roleView = view;
        return view;
    }

    private ClaimRole roleOf(String worker, Entry mine, Map<String, Entry> candidates) {
        Entry chosen = candidates.get(assignment.get(worker));
        if (chosen == null || chosen == mine) {
            return chosen == mine ? ClaimRole.PREFERRED : ClaimRole.STANDBY;
        }
        if (!chosen.stale) {
            return ClaimRole.STANDBY;
        }
        // Only the first live node after the silent one steps in, so that stand-ins never race each other.
        List<String> eligible = candidates.values().stream().filter(e -> e.registered.contains(worker))
                .map(e -> e.nodeId).toList();
        for (String node : Rendezvous.rank(worker, eligible)) {
            Entry e = candidates.get(node);
            if (!e.stale) {
                return e == mine ? ClaimRole.STEP_IN : ClaimRole.STANDBY;
            }
        }
        return ClaimRole.STANDBY;
    }

    /** The sessions that take part in the balance: this one, and those of current members not closing. */
    private Map<String, Entry> candidates(Set<String> memberUuids) {
        Map<String, Entry> candidates = new TreeMap<>();
        for (Entry e : sessions.values()) {
            boolean alive = e.id.equals(self) || memberUuids.contains(e.memberUuid);
            if (alive && !e.closing) {
                candidates.putIfAbsent(e.nodeId, e);
            }
        }
        return candidates;
    }

    /** For each node, the workers the balance gives it (as this member sees it). */
    public synchronized Map<String, String> assignment(Set<String> memberUuids) {
        Map<String, Set<String>> registered = new HashMap<>();
        candidates(memberUuids).forEach((node, e) -> registered.put(node, e.registered));
        return Balance.assign(registered);
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

    /** Node ids of the sessions this member knows, alive or not yet expired. */
    public synchronized List<String> nodes() {
        return sessions.values().stream().map(e -> e.nodeId).sorted().toList();
    }

    private void fireRebalanced() {
        fire(Listener::rebalanced);
    }

    private void fire(java.util.function.Consumer<Listener> event) {
        Listener l = listener;
        if (l == null) {
            return;
        }
        try {
            event.accept(l);
        } catch (RuntimeException e) {
            // The engine's reaction must never break the lock table or a renewal.
            org.slf4j.LoggerFactory.getLogger(SessionTable.class).warn("A coordination event handler failed", e);
        }
    }

    private static void deliver(List<Runnable> events) {
        events.forEach(Runnable::run);
    }
}
