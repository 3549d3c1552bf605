package dev.baton.coordinator.internal;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.CoordinationEvents;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The shared state behind in-memory coordinations: one process, one lock. Leases expire when not
 * renewed within the lease length, as a remote lease would.
 */
public final class MemoryCluster implements dev.baton.coordinator.InMemoryCluster {

    private final Clock clock;
    private final Duration lease;
    private final Map<String, SlotState> records = new HashMap<>();
    private final Map<String, Long> leaseExpiry = new HashMap<>();
    private final Map<String, MemberState> members = new LinkedHashMap<>();
    private long sessions;
    private long claims;
    private long operatorActions;

    public MemoryCluster(Clock clock, Duration lease) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, but was " + lease);
        }
        this.clock = clock;
        this.lease = lease;
    }

    public Clock clock() {
        return clock;
    }

    public Duration lease() {
        return lease;
    }

    synchronized String join(String node, CoordinationEvents events) {
        MemberState existing = members.get(node);
        if (existing != null && existing.open) {
            throw new IllegalStateException("node id '" + node + "' is already taken in this in-memory cluster");
        }
        MemberState member = existing != null ? existing : new MemberState();
        member.open = true;
        member.events = events;
        member.session = node + "#" + (++sessions);
        members.put(node, member);
        return member.session;
    }

    synchronized void leave(String node) {
        MemberState member = members.get(node);
        if (member != null) {
            member.open = false;
            member.registered.clear();
        }
    }

    synchronized void register(String node, String worker, boolean on) {
        MemberState member = members.computeIfAbsent(node, n -> new MemberState());
        if (on) {
            member.registered.add(worker);
        } else {
            member.registered.remove(worker);
        }
    }

    synchronized ClaimRole role(String node, String worker) {
        Map<String, Set<String>> registered = new HashMap<>();
        members.forEach((id, m) -> {
            if (m.open) {
                registered.put(id, m.registered);
            }
        });
        String preferred = Balance.assign(registered).get(worker);
        return node.equals(preferred) ? ClaimRole.PREFERRED : preferred == null ? ClaimRole.STEP_IN : ClaimRole.STANDBY;
    }

    synchronized dev.baton.worker.spi.CoordinationStatus status(String node) {
        Map<String, String> holders = new HashMap<>();
        records.forEach((worker, s) -> {
            if (s.isRunning()) {
                holders.put(worker, s.running().node());
            }
        });
        Map<String, Set<String>> registered = new HashMap<>();
        members.forEach((id, m) -> {
            if (m.open) {
                registered.put(id, m.registered);
            }
        });
        int open = (int) members.values().stream().filter(m -> m.open).count();
        int held = (int) holders.values().stream().filter(node::equals).count();
        return new dev.baton.worker.spi.CoordinationStatus(true, open, 1, held, 0, 0, holders,
                Balance.assign(registered), List.copyOf(new TreeSet<>(registered.keySet())), "memory", true);
    }

    synchronized Optional<WorkerRecord> read(String worker) {
        expire(worker);
        return Optional.ofNullable(records.get(worker)).map(SlotState::toRecord);
    }

    /** @return the new state, or empty if the claim lost */
    Optional<SlotState> claim(String node, String session, ClaimRequest request) {
        List<Runnable> events = new ArrayList<>();
        Optional<SlotState> result;
        synchronized (this) {
            boolean expired = expire(request.worker());
            SlotState current = records.getOrDefault(request.worker(), SlotState.empty(request.worker()));
            long now = clock.millis();
            ClaimRules.Claim claim = new ClaimRules.Claim(request, node, session, ++claims, now, now, 0,
                    ClaimRules.REBASE_MIN_MILLIS);
            result = ClaimRules.claim(current, claim, current.isRunning()).map(ClaimRules.Claimed::state);
            result.ifPresent(next -> {
                records.put(request.worker(), next);
                leaseExpiry.put(request.worker(), now + lease.toMillis());
            });
            if (expired) {
                events.add(() -> broadcast(e -> e.orphaned(request.worker())));
            }
        }
        events.forEach(Runnable::run);
        return result;
    }

    synchronized boolean valid(String worker, long fence) {
        expire(worker);
        SlotState s = records.get(worker);
        return s != null && ClaimRules.holds(s, fence);
    }

    synchronized boolean renew(String worker, long fence) {
        if (!valid(worker, fence)) {
            return false;
        }
        leaseExpiry.put(worker, clock.millis() + lease.toMillis());
        return true;
    }

    Optional<WorkerRecord> complete(String worker, long fence, long claimId, Outcome outcome) {
        SlotState next;
        synchronized (this) {
            if (!valid(worker, fence)) {
                return Optional.empty();
            }
            next = ClaimRules.complete(records.get(worker), fence, claimId, outcome, clock.millis()).orElse(null);
            if (next == null) {
                return Optional.empty();
            }
            records.put(worker, next);
            leaseExpiry.remove(worker);
        }
        if (!outcome.closesSlot()) {
            broadcast(e -> e.orphaned(worker));
        }
        return Optional.of(next.toRecord());
    }

    @Override
    public MemoryNode node(String nodeId) {
        return new MemoryNode(this, nodeId);
    }

    @Override
    public void revoke(String node) {
        List<String> revoked = new ArrayList<>();
        synchronized (this) {
            records.replaceAll((worker, s) -> {
                if (!s.isRunning() || !node.equals(s.running().node())) {
                    return s;
                }
                revoked.add(worker);
                leaseExpiry.remove(worker);
                return s.finished(Outcome.LEASE_LOST, clock.millis());
            });
        }
        revoked.forEach(worker -> broadcast(e -> e.orphaned(worker)));
    }

    /** An operator action's token: rising, and in the fences' form, whose time part says when it was made. */
    private long nextAction() {
        operatorActions = ClaimRules.nextFence(operatorActions, 0, clock.millis());
        return operatorActions;
    }

    void setPaused(String worker, boolean paused) {
        long token;
        long madeAt;
        synchronized (this) {
            SlotState s = records.getOrDefault(worker, SlotState.empty(worker));
            madeAt = clock.millis();
            token = nextAction();
            records.put(worker, s.withFlags(s.flags().withPaused(paused, token, madeAt)));
        }
        broadcast(e -> e.pauseChanged(worker, paused, token, SlotState.Flags.madeAt(token, madeAt)));
    }

    void trigger(String worker) {
        synchronized (this) {
            SlotState s = records.getOrDefault(worker, SlotState.empty(worker));
            records.put(worker, s.withFlags(s.flags().withTrigger(nextAction())));
        }
        broadcast(e -> e.triggered(worker));
    }

    /** Clears a lease that ran past its expiry; the slot's execution counts as crashed. */
    private boolean expire(String worker) {
        Long expiry = leaseExpiry.get(worker);
        if (expiry == null || clock.millis() <= expiry) {
            return false;
        }
        leaseExpiry.remove(worker);
        SlotState s = records.get(worker);
        if (s != null && s.isRunning()) {
            records.put(worker, s.finished(Outcome.CRASHED, clock.millis()));
            return true;
        }
        return false;
    }

    private void broadcast(Consumer<CoordinationEvents> event) {
        List<CoordinationEvents> targets = new ArrayList<>();
        synchronized (this) {
            members.values().stream().filter(m -> m.open && m.events != null).forEach(m -> targets.add(m.events));
        }
        targets.forEach(event);
    }

    private static final class MemberState {
        final Set<String> registered = new TreeSet<>();
        boolean open;
        CoordinationEvents events;
        String session;
    }
}
