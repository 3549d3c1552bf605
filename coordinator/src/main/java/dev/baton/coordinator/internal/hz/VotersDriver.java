package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the voters in step with the fleet, one change at a time: starts a lineage when the
 * cluster has none, removes a voter that left (at once when it said goodbye, after {@code
 * removalDelay} when it vanished, so that a restart brings it back in time), adds a member whose
 * node runs Baton and is past its start-up wait. Only one member drives (the oldest voter this
 * member sees); a leaving voter proposes its own removal. Each change is agreed with Paxos among
 * the current voters ({@link VoterState}); conflicting proposals cannot both commit, they only
 * delay each other.
 */
final class VotersDriver {

    private static final Logger log = LoggerFactory.getLogger(VotersDriver.class);

    /** Sends a request to a member; {@code onReply} gets the answer, or null if none came. */
    interface Calls {
        void call(String memberUuid, VotersRequest request, Consumer<VotersReply> onReply);
    }

    /** What the driver sees of the cluster at one instant. */
    record View(long nowNanos, long wallMillis, String selfUuid, List<String> memberOrder,
                List<SessionTable.SessionInfo> sessions, Set<String> notParticipating, boolean leaving) {
    }

    private final VoterState state;
    private final Calls calls;
    private final long expiryNanos;
    private final long removalDelayNanos;
    private final long callTimeoutNanos;
    private final long bootstrapWaitNanos;
    private final long startedAt;
    private final Map<String, Long> missingSince = new HashMap<>();
    private Proposal proposal;
    private long quietUntil = Long.MIN_VALUE;

    VotersDriver(VoterState state, Calls calls, long expiryNanos, long removalDelayNanos, long callTimeoutNanos,
                 long bootstrapWaitNanos, long startedAt) {
        this.state = state;
        this.calls = calls;
        this.expiryNanos = expiryNanos;
        this.removalDelayNanos = removalDelayNanos;
        this.callTimeoutNanos = callTimeoutNanos;
        this.bootstrapWaitNanos = bootstrapWaitNanos;
        this.startedAt = startedAt;
    }

    /** One round: bootstrap, or move a proposal on, or start the next change this member should drive. */
    synchronized void tick(View view) {
        Voters current = state.current();
        Map<String, SessionTable.SessionInfo> live = liveNodes(view);
        if (current.isNone()) {
            maybeBootstrap(view, live);
            return;
        }
        if (proposal != null) {
            if (proposal.done || view.nowNanos() - proposal.startedAt > callTimeoutNanos
                    || proposal.base.version() != current.version()) {
                if (!proposal.done) {
                    backOff(view.nowNanos());
                }
                proposal = null;
            } else {
                return;
            }
        }
        trackMissing(current, live, view.nowNanos());
        if (view.nowNanos() < quietUntil || !state.changeAllowed()) {
            return;
        }
        String self = state.nodeId();
        Optional<Voters> next = Optional.empty();
        if (view.leaving() && current.contains(self) && current.size() > 1) {
            next = Optional.of(current.without(self));
        } else if (isDriver(current, view, live)) {
            next = nextChange(current, view, live);
        }
        next.ifPresent(n -> propose(current, n, view));
    }

    /** The sessions alive here whose members are in the cluster, one per node (the newest). */
    private Map<String, SessionTable.SessionInfo> liveNodes(View view) {
        Set<String> members = new HashSet<>(view.memberOrder());
        Map<String, SessionTable.SessionInfo> live = new HashMap<>();
        for (SessionTable.SessionInfo s : view.sessions()) {
            boolean alive = view.nowNanos() - s.lastSeen() <= expiryNanos;
            if (alive && members.contains(s.memberUuid())) {
                live.merge(s.nodeId(), s, (a, b) -> a.lastSeen() >= b.lastSeen() ? a : b);
            }
        }
        return live;
    }

    private void maybeBootstrap(View view, Map<String, SessionTable.SessionInfo> live) {
        boolean someoneHasVoters = live.values().stream().anyMatch(s -> !s.lineage().isEmpty());
        if (someoneHasVoters) {
            return;
        }
        Set<String> heardFrom = new HashSet<>();
        live.values().forEach(s -> heardFrom.add(s.memberUuid()));
        boolean heardAll = heardFrom.containsAll(view.memberOrder().stream()
                .filter(uuid -> !uuid.equals(view.selfUuid()) && !view.notParticipating().contains(uuid)).toList());
        boolean waited = view.nowNanos() - startedAt >= bootstrapWaitNanos;
        // The oldest member that may run Baton founds the lineage; if it stays silent past the wait, the oldest
        // one heard from does, so that a member without Baton that never answers cannot hold everyone back.
        Optional<String> founder = view.memberOrder().stream()
                .filter(uuid -> !view.notParticipating().contains(uuid)).findFirst();
        if (waited && !heardAll) {
            founder = view.memberOrder().stream()
                    .filter(uuid -> uuid.equals(view.selfUuid()) || heardFrom.contains(uuid)).findFirst();
        }
        if (founder.filter(view.selfUuid()::equals).isPresent() && (heardAll || waited)) {
            // Every node present starts as a voter: a cluster that starts together needs no changes to grow.
            Map<String, String> founders = new HashMap<>();
            live.values().stream().filter(s -> !s.nodeId().equals(state.nodeId()))
                    .forEach(s -> founders.put(s.nodeId(), s.memberUuid()));
            state.bootstrap(founders, view.wallMillis());
        }
    }

    private void trackMissing(Voters current, Map<String, SessionTable.SessionInfo> live, long now) {
        missingSince.keySet().retainAll(current.ids());
        for (String voter : current.ids()) {
            if (voter.equals(state.nodeId()) || live.containsKey(voter)) {
                missingSince.remove(voter);
            } else {
                missingSince.putIfAbsent(voter, now);
            }
        }
    }

    /** The oldest member (in the cluster's join order) whose node is a live voter drives the changes. */
    private boolean isDriver(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        Map<String, String> nodeOfMember = new HashMap<>();
        live.values().forEach(s -> nodeOfMember.put(s.memberUuid(), s.nodeId()));
        nodeOfMember.put(view.selfUuid(), state.nodeId());
        for (String uuid : view.memberOrder()) {
            String node = nodeOfMember.get(uuid);
            if (node != null && current.contains(node)) {
                return uuid.equals(view.selfUuid());
            }
        }
        return false;
    }

    private Optional<Voters> nextChange(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        for (String voter : current.ids()) {
            SessionTable.SessionInfo s = live.get(voter);
            if (s != null && s.closing() && !voter.equals(state.nodeId()) && current.size() > 1) {
                return Optional.of(current.without(voter));
            }
        }
        Optional<String> lost = missingSince.entrySet().stream()
                .filter(e -> view.nowNanos() - e.getValue() >= removalDelayNanos)
                .min(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
        if (lost.isPresent() && current.size() > 1) {
            return Optional.of(current.without(lost.get()));
        }
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < view.memberOrder().size(); i++) {
            order.put(view.memberOrder().get(i), i);
        }
        return live.values().stream()
                .filter(s -> !current.contains(s.nodeId()) && s.warm() && !s.closing()
                        && s.lineage().equals(current.lineage()))
                .min(Comparator.comparingInt((SessionTable.SessionInfo s) -> order.getOrDefault(s.memberUuid(),
                        Integer.MAX_VALUE)))
                .map(s -> current.with(s.nodeId()));
    }

    private void backOff(long now) {
        long jitter = ThreadLocalRandom.current().nextLong(callTimeoutNanos / 4, callTimeoutNanos);
        quietUntil = now + jitter;
    }

    private void propose(Voters base, Voters wanted, View view) {
        Map<String, String> memberOfVoter = new LinkedHashMap<>();
        for (SessionTable.SessionInfo s : liveNodes(view).values()) {
            if (base.contains(s.nodeId())) {
                memberOfVoter.put(s.nodeId(), s.memberUuid());
            }
        }
        memberOfVoter.put(state.nodeId(), view.selfUuid());
        memberOfVoter.keySet().retainAll(base.ids());
        if (memberOfVoter.size() < base.majority()) {
            return;
        }
        long round = Math.max(state.promisedRound(), proposalRound) + 1;
        proposalRound = round;
        proposal = new Proposal(base, wanted, new Ballot(round, state.nodeId()), memberOfVoter, view.nowNanos(),
                view.sessions().stream().map(SessionTable.SessionInfo::memberUuid).distinct().toList());
        log.debug("Proposing {} (ballot {})", wanted, proposal.ballot);
        proposal.prepare();
    }

    private long proposalRound;

    /** Whether a proposal is under way (for tests and for a leaving node waiting on its removal). */
    synchronized boolean proposing() {
        return proposal != null && !proposal.done;
    }

    /** One attempt at the next configuration: Paxos phase 1, then phase 2, then the news to everyone. */
    private final class Proposal {
        final Voters base;
        final Voters wanted;
        final Ballot ballot;
        final Map<String, String> memberOfVoter;
        final long startedAt;
        final List<String> everyone;
        final Map<String, VotersReply> promises = new HashMap<>();
        final Set<String> accepted = new HashSet<>();
        Voters value;
        boolean accepting;
        boolean done;

        Proposal(Voters base, Voters wanted, Ballot ballot, Map<String, String> memberOfVoter, long startedAt,
                 List<String> everyone) {
            this.base = base;
            this.wanted = wanted;
            this.ballot = ballot;
            this.memberOfVoter = memberOfVoter;
            this.startedAt = startedAt;
            this.everyone = everyone;
        }

        void prepare() {
            VotersRequest request = VotersRequest.prepare(base, ballot);
            memberOfVoter.forEach((voter, uuid) -> send(voter, uuid, request, this::onPromise));
        }

        private void send(String voter, String uuid, VotersRequest request, java.util.function.BiConsumer<String,
                VotersReply> handler) {
            if (voter.equals(state.nodeId())) {
                handler.accept(voter, request.applyTo(state));
            } else {
                calls.call(uuid, request, reply -> {
                    synchronized (VotersDriver.this) {
                        if (reply != null && !done && proposal == this) {
                            handler.accept(voter, reply);
                        }
                    }
                });
            }
        }

        private void onPromise(String voter, VotersReply reply) {
            learnFrom(reply);
            proposalRound = Math.max(proposalRound, reply.promisedRound);
            if (!reply.ok || accepting) {
                return;
            }
            promises.put(voter, reply);
            if (promises.size() < base.majority()) {
                return;
            }
            // Paxos: if any voter accepted something for this version, that value may have been chosen.
            value = promises.values().stream().filter(r -> r.acceptedBallot != null)
                    .max(Comparator.comparing(r -> r.acceptedBallot)).map(r -> r.acceptedValue).orElse(wanted);
            accepting = true;
            VotersRequest request = VotersRequest.accept(base, ballot, value);
            new ArrayList<>(memberOfVoter.entrySet()).forEach(e -> send(e.getKey(), e.getValue(), request,
                    this::onAccepted));
        }

        private void onAccepted(String voter, VotersReply reply) {
            learnFrom(reply);
            proposalRound = Math.max(proposalRound, reply.promisedRound);
            if (!reply.ok || done) {
                return;
            }
            accepted.add(voter);
            if (accepted.size() < base.majority()) {
                return;
            }
            done = true;
            state.learn(value);
            VotersRequest learn = VotersRequest.learn(value);
            for (String uuid : everyone) {
                if (!uuid.equals(memberOfVoter.get(state.nodeId()))) {
                    calls.call(uuid, learn, reply2 -> { });
                }
            }
        }

        private void learnFrom(VotersReply reply) {
            if (reply.current != null && !reply.current.isNone()) {
                state.learn(reply.current);
            }
        }
    }
}
