package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.Balance;
import dev.baton.coordinator.internal.Rendezvous;
import dev.baton.worker.spi.ClaimRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's role for each of its workers, computed from the lock table's sessions. Every
 * execution asks for its role at its slot, hundreds at the same instant: they read a snapshot,
 * rebuilt only when the table or the member list changed, instead of queueing on the table's lock.
 */
final class Roles {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Roles.class);

    /** A session taking part in the balance. */
    record Candidate(String nodeId, Set<String> registered, boolean stale, boolean self) {
    }

    private record View(long version, Set<String> members, Map<String, ClaimRole> roles,
                        Map<String, String> preferredBy) {
    }

    private volatile View view;
    /** When which node prefers one of this node's workers last changed (the table's clock), or none yet. */
    private volatile long changedAt = Long.MIN_VALUE;

    /** The cached role, or null when the snapshot is out of date. */
    ClaimRole cached(String worker, long version, Set<String> members) {
        View v = view;
        if (v == null || v.version() != version || !v.members().equals(members)) {
            return null;
        }
        return v.roles().getOrDefault(worker, ClaimRole.STANDBY);
    }

    /** Rebuilds the snapshot; the caller holds the table's lock. */
    Map<String, ClaimRole> rebuild(long version, Set<String> members, Map<String, Candidate> candidates,
                                   SessionTable.Entry mine, long now) {
        View v = view;
        if (v != null && v.version() == version && v.members().equals(members)) {
            return v.roles();
        }
        Map<String, ClaimRole> roles = new HashMap<>();
        Map<String, String> preferredBy = new HashMap<>();
        if (mine != null) {
            Map<String, String> assignment = assign(candidates);
            for (String worker : mine.registered) {
                roles.put(worker, roleOf(worker, assignment, candidates));
                String node = assignment.get(worker);
                if (node != null) {
                    preferredBy.put(worker, node);
                }
            }
        }
        // The balance settles when which node prefers one of this node's workers changed: views of it
        // may disagree for a while. A peer turning stale and back moves only who steps in for it, by
        // rank, and opens no window: under load peers' renewals run late for a moment and flap, and a
        // window at each flap had every standby look at every slot, load that made renewals later still.
        if (v != null && !v.preferredBy().equals(preferredBy)) {
            changedAt = now;
            logBalanceChange(v.preferredBy(), preferredBy, candidates);
        }
        if (v != null && !v.roles().equals(roles) && log.isDebugEnabled()) {
            log.debug("Roles changed to {} over candidates {}", new java.util.TreeMap<>(roles),
                    candidates.values().stream().map(c -> c.nodeId() + (c.stale() ? "(stale)" : "")
                            + (c.self() ? "(self)" : "") + "/" + c.registered().size()).toList());
        }
        view = new View(version, Set.copyOf(members), Map.copyOf(roles), Map.copyOf(preferredBy));
        return view.roles();
    }

    /**
     * Once per change of the balance (not per flap of a peer's staleness): an operator asking why a
     * worker moved, or why two nodes passed one back and forth after a merge, finds when each node's
     * view changed and what it saw.
     */
    private static void logBalanceChange(Map<String, String> before, Map<String, String> after,
                                         Map<String, Candidate> candidates) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String self = candidates.values().stream().filter(Candidate::self).map(Candidate::nodeId).findFirst()
                .orElse("?");
        long moved = after.entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey()))).count();
        log.info("Balance changed: this node prefers {} of its {} workers (was {}), {} moved; nodes {}",
                count(after, self), after.size(), count(before, self), moved,
                candidates.values().stream().map(c -> c.nodeId() + "/" + c.registered().size()).sorted().toList());
    }

    private static long count(Map<String, String> preferredBy, String node) {
        return preferredBy.values().stream().filter(node::equals).count();
    }

    /** Whether which node prefers one of this node's workers changed less than {@code window} ago. */
    boolean changedWithin(long now, long window) {
        long at = changedAt;
        return at != Long.MIN_VALUE && now - at < window;
    }

    static Map<String, String> assign(Map<String, Candidate> candidates) {
        Map<String, Set<String>> registered = new HashMap<>();
        candidates.forEach((node, c) -> registered.put(node, c.registered()));
        return Balance.assign(registered);
    }

    private static ClaimRole roleOf(String worker, Map<String, String> assignment, Map<String, Candidate> candidates) {
        String preferred = assignment.get(worker);
        // None when no session in the balance runs the worker (this node's own is closing): nobody is preferred.
        Candidate chosen = preferred == null ? null : candidates.get(preferred);
        if (chosen == null) {
            return ClaimRole.STANDBY;
        }
        if (chosen.self()) {
            return ClaimRole.PREFERRED;
        }
        if (!chosen.stale()) {
            return ClaimRole.STANDBY;
        }
        // Only the first live node after the silent one steps in, so that stand-ins never race each other.
        List<String> eligible = candidates.values().stream().filter(c -> c.registered().contains(worker))
                .map(Candidate::nodeId).toList();
        for (String node : Rendezvous.rank(worker, eligible)) {
            Candidate c = candidates.get(node);
            if (!c.stale()) {
                return c.self() ? ClaimRole.STEP_IN : ClaimRole.STANDBY;
            }
        }
        return ClaimRole.STANDBY;
    }
}
