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
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the voters in step with the fleet, one change at a time: starts a lineage when the
 * cluster has none (the oldest member, with every process present), adds a process whose node runs
 * Baton, replaces at once a voter whose node came back as a new process, removes a voter that
 * announced it is leaving, and one that has been gone (crashed, cut off) for {@code removalDelay}.
 * Only one member drives (the oldest voter this member sees); a leaving voter proposes its own
 * removal, and where that would leave no voter or fewer than the floor, hands its seat to a newcomer
 * first (see {@link #leave}). Each change is agreed with Paxos
 * among the current voters ({@link VoterState}); conflicting proposals cannot both commit, they
 * only delay each other.
 */
final class VotersDriver {

    private static final Logger log = LoggerFactory.getLogger(VotersDriver.class);

    /** Sends a request to a member; {@code onReply} gets the answer, or null if none came. */
    interface Calls {
        void call(String memberUuid, VotersRequest request, Consumer<VotersReply> onReply);
    }

    /**
     * What the driver sees of the cluster at one instant.
     *
     * @param counting the processes whose acknowledgements count for leases now (see {@code LocalSession.counting})
     */
    record View(long nowNanos, long wallMillis, String selfUuid, List<String> memberOrder,
                List<SessionTable.SessionInfo> sessions, Set<String> notParticipating, Set<String> counting,
                boolean leaving) {
    }

    /**
     * Timing of the driver.
     *
     * @param bootstrapSettleNanos how long the member list must stay without a newcomer before the
     *                             oldest member founds a lineage (within the bootstrap wait)
     */
    record Timing(long expiryNanos, long removalDelayNanos, long callTimeoutNanos, long bootstrapWaitNanos,
                  long bootstrapSettleNanos) {

        /** Founding as soon as every member present has answered. */
        Timing(long expiryNanos, long removalDelayNanos, long callTimeoutNanos, long bootstrapWaitNanos) {
            this(expiryNanos, removalDelayNanos, callTimeoutNanos, bootstrapWaitNanos, 0);
        }
    }

    private final VoterState state;
    private final Calls calls;
    private final Timing timing;
    /** The operator's least number of voters for a quorum ({@code BATON_MIN_CLUSTER_SIZE}). */
    private final int floor;
    private final long startedAt;
    private final RandomGenerator random;
    private final Map<String, Long> missingSince = new HashMap<>();
    /** Voters added as a leaver's heir: one that is gone right after is not waited for. */
    private final Set<String> heirs = new HashSet<>();
    /** The configuration at this member's last look, to tell what the change after it added. */
    private Voters lastLooked;
    /** What the latest one-version change this member saw added, that change's version, and when it saw it. */
    private Set<String> latestAdded = Set.of();
    private String latestAddedLineage = "";
    private long latestAddedVersion;
    private long latestAddedAt;
    /**
     * When this member last heard each process (only one it has heard can be a lost heir); a process
     * that is no voter is forgotten a removal delay after that.
     */
    private final Map<String, Long> heardAt = new HashMap<>();
    /**
     * Voters this member has seen leaving (a closing session), kept while they are voters: a leaver
     * that drops out of this member's view for a moment is still leaving, and its heirs still heirs.
     */
    private final Set<String> leaversSeen = new HashSet<>();
    /** When this member first saw each of {@link #leaversSeen} leaving. */
    private final Map<String, Long> leavingSeenAt = new HashMap<>();
    /**
     * Names this process's ballots apart from those of its earlier lives. A process that restarts
     * with its state keeps its voter id, and its rounds restart from what its own acceptor promised,
     * which may be behind (a refused write, a forgotten decree); since an acceptor promises an equal
     * ballot again as its proposer's resend, a ballot must never name two proposals.
     */
    private final String proposer;
    private Proposal proposal;
    /** The members running Baton this member saw at its last look before founding, and when one was new. */
    private Set<String> membersSeen = Set.of();
    private long membersGrewAt;
    private long quietUntil = Long.MIN_VALUE;
    /** When this member first looked while leaving. */
    private long leavingSince = Long.MIN_VALUE;
    private long proposalRound;

    VotersDriver(VoterState state, Calls calls, Timing timing, int floor, long startedAt, RandomGenerator random) {
        this.state = state;
        this.floor = floor;
        this.calls = calls;
        this.timing = timing;
        this.startedAt = startedAt;
        this.random = random;
        // Not from the injected generator: a test may give two lives of one voter the same seed.
        this.proposer = Ballot.proposerOf(state.voterId(), UUID.randomUUID().toString());
    }

    /** One round: bootstrap, or move a proposal on, or start the next change this member should make. */
    synchronized void tick(View view) {
        Voters current = state.current();
        Map<String, SessionTable.SessionInfo> live = liveVoters(view);
        if (current.isNone()) {
            maybeBootstrap(view, live);
            return;
        }
        noteHeirs(current, view, live);
        if (view.leaving() && leavingSince == Long.MIN_VALUE) {
            leavingSince = view.nowNanos();
        }
        if (proposal != null) {
            if (proposal.done || view.nowNanos() - proposal.startedAt > timing.callTimeoutNanos()
                    || proposal.base.version() != current.version() || proposal.refused) {
                if (!proposal.done) {
                    backOff(view.nowNanos());
                }
                proposal = null;
            } else {
                proposal.resendIfDue(view.nowNanos());
                return;
            }
        }
        trackMissing(current, live, view.nowNanos());
        if (view.nowNanos() < quietUntil || !state.changeAllowed()) {
            return;
        }
        String self = state.voterId();
        Optional<Voters> next = Optional.empty();
        if (view.leaving() && current.contains(self)) {
            next = leavingAWhile(view) ? leave(current, self, view, live) : Optional.empty();
        } else if (isDriver(current, view, live)) {
            next = nextChange(current, view, live);
        }
        next.ifPresent(n -> propose(current, n, view, live));
    }

    /** The sessions alive here whose members are in the cluster, one per process (the newest session). */
    private Map<String, SessionTable.SessionInfo> liveVoters(View view) {
        Set<String> members = new HashSet<>(view.memberOrder());
        Map<String, SessionTable.SessionInfo> live = new HashMap<>();
        for (SessionTable.SessionInfo s : view.sessions()) {
            boolean alive = view.nowNanos() - s.lastSeen() <= timing.expiryNanos();
            if (alive && members.contains(s.memberUuid()) && !s.voterId().isEmpty()) {
                live.merge(s.voterId(), s, (a, b) -> a.lastSeen() >= b.lastSeen() ? a : b);
            }
        }
        return live;
    }

    /**
     * Only the oldest member that may run Baton founds a lineage: a younger one waits to hear it,
     * however long, so that a member that heard nobody for a moment never starts a cluster of its
     * own beside the running one. It founds it with every process heard from, once all have
     * answered, at least the floor of them are there, and no member has joined for the settle time
     * (nodes started together join seconds apart: founded without the last of them, the fleet has
     * two voters until the change that adds it, and losing either meanwhile stops every node until
     * it is back); or once the wait is over. Its own first look counts as a join: the first node
     * of a fleet is alone for a moment, and a lone node founds the settle time after it started.
     */
    private void maybeBootstrap(View view, Map<String, SessionTable.SessionInfo> live) {
        if (live.values().stream().anyMatch(s -> !s.lineage().isEmpty())) {
            return;
        }
        List<String> running = view.memberOrder().stream()
                .filter(uuid -> !view.notParticipating().contains(uuid)).toList();
        if (!membersSeen.containsAll(running)) {
            membersGrewAt = view.nowNanos();
        }
        membersSeen = Set.copyOf(running);
        if (running.isEmpty() || !running.get(0).equals(view.selfUuid())) {
            return;
        }
        Set<String> heardFrom = new HashSet<>();
        live.values().forEach(s -> heardFrom.add(s.memberUuid()));
        heardFrom.add(view.selfUuid());
        boolean heardAll = heardFrom.containsAll(running);
        boolean settled = view.nowNanos() - membersGrewAt >= timing.bootstrapSettleNanos();
        if ((heardAll && settled && heardFrom.size() >= floor)
                || view.nowNanos() - startedAt >= timing.bootstrapWaitNanos()) {
            state.bootstrap(live.keySet(), view.wallMillis());
        }
    }

    /**
     * A process that a change added as a voter was leaving is that leaver's heir, whoever proposed
     * the change: the leaver and the driver both propose a leave's steps, and a driver that only
     * knew its own heirs took the leaver out before the leaver's lost heir, leaving two voters with
     * one of them dead (a review of 75b452b, LostHeirTest seed 269). The leaver's closing and the
     * change reach a member by different paths, in either order: a change still the latest, seen up
     * to a call timeout before the closing, counts too. A change seen only as part of a jump of
     * several versions is not read, nor one of another lineage. Once no voter this member has seen
     * leaving is a voter any more, the heirs are voters like any other: one restarting with its
     * state keeps its seat through a later leave.
     */
    private void noteHeirs(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        Voters before = lastLooked;
        lastLooked = current;
        live.keySet().forEach(v -> heardAt.put(v, view.nowNanos()));
        heardAt.entrySet().removeIf(e -> !current.contains(e.getKey())
                && view.nowNanos() - e.getValue() > timing.removalDelayNanos());
        if (before != null && before.lineage().equals(current.lineage()) && current.version() == before.version() + 1) {
            latestAdded = Set.copyOf(current.ids().stream().filter(v -> !before.contains(v)).toList());
            latestAddedLineage = current.lineage();
            latestAddedVersion = current.version();
            latestAddedAt = view.nowNanos();
        }
        current.ids().stream().filter(v -> live.containsKey(v) && live.get(v).closing()).forEach(leaversSeen::add);
        leaversSeen.retainAll(current.ids());
        // Back with its state (the same voter, a new session not closing), a leaver is a voter again.
        leaversSeen.removeIf(v -> live.containsKey(v) && !live.get(v).closing());
        leaversSeen.forEach(v -> leavingSeenAt.putIfAbsent(v, view.nowNanos()));
        leavingSeenAt.keySet().retainAll(leaversSeen);
        boolean leaving = view.leaving() || !leaversSeen.isEmpty();
        if (!leaving) {
            heirs.clear();
        } else if (latestAddedLineage.equals(current.lineage()) && latestAddedVersion == current.version()
                && view.nowNanos() - latestAddedAt <= timing.callTimeoutNanos()) {
            heirs.addAll(latestAdded);
        }
    }

    private void trackMissing(Voters current, Map<String, SessionTable.SessionInfo> live, long now) {
        missingSince.keySet().retainAll(current.ids());
        for (String voter : current.ids()) {
            if (voter.equals(state.voterId()) || live.containsKey(voter)) {
                missingSince.remove(voter);
            } else {
                missingSince.putIfAbsent(voter, now);
            }
        }
    }

    /**
     * The oldest member (in the cluster's join order) whose process is a live voter, not leaving,
     * drives the changes: a leaving one only gives its own seat back, and the driver helps it.
     */
    private boolean isDriver(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        Map<String, String> voterOfMember = new HashMap<>();
        live.values().stream().filter(s -> !s.closing()).forEach(s -> voterOfMember.put(s.memberUuid(), s.voterId()));
        voterOfMember.put(view.selfUuid(), state.voterId());
        for (String uuid : view.memberOrder()) {
            String voter = voterOfMember.get(uuid);
            if (voter != null && current.contains(voter)) {
                return uuid.equals(view.selfUuid());
            }
        }
        return false;
    }

    private Optional<Voters> nextChange(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        for (String voter : current.ids()) {
            SessionTable.SessionInfo s = live.get(voter);
            if (s != null && s.closing() && !voter.equals(state.voterId()) && current.size() > 1) {
                return leaveByTheDriver(current, voter, view, live);
            }
        }
        Optional<String> replaced = replacedSeat(current, live);
        if (replaced.isPresent()) {
            return replaced.map(current::without);
        }
        Optional<String> lost = missingSince.entrySet().stream()
                .filter(e -> view.nowNanos() - e.getValue() >= timing.removalDelayNanos())
                .min(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
        if (lost.isPresent() && current.size() > 1) {
            return Optional.of(current.without(lost.get()));
        }
        return newcomer(current, view, live).map(current::with);
    }

    /**
     * A voter whose node runs a newer process: the old process is taken for gone (a process under
     * the same node id replaces it). Its seat goes before the new process comes in wherever the
     * configuration in between tolerates as many failures as the other order's: added first, the
     * new process makes four voters of three needed while the dead seat still counts, and the same
     * node failing again before the next change (a lease later) leaves two of four, no majority to
     * change anything, though only one node was ever down. Two voters, or a floor that binds the
     * smaller configuration, still take the new process first.
     */
    private Optional<String> replacedSeat(Voters current, Map<String, SessionTable.SessionInfo> live) {
        for (String voter : current.ids()) {
            if (live.containsKey(voter) || current.size() <= 1) {
                continue;
            }
            List<String> newer = live.keySet().stream()
                    .filter(other -> !other.equals(voter) && Voters.nodeOf(other).equals(Voters.nodeOf(voter)))
                    .toList();
            if (newer.stream().anyMatch(current::contains)
                    || (!newer.isEmpty() && removingFirstToleratesAsMuch(current, voter, newer.get(0), live))) {
                return Optional.of(voter);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the configuration without {@code gone} keeps at least as many live voters above its
     * quorum as the one with {@code replacement} added would (which counts it live): on a tie the old
     * seat goes first, since the node that failed once is the likeliest to fail again.
     */
    private boolean removingFirstToleratesAsMuch(Voters current, String gone, String replacement,
                                                 Map<String, SessionTable.SessionInfo> live) {
        long alive = current.ids().stream().filter(live::containsKey).count();
        Voters smaller = current.without(gone);
        long spareSmaller = alive - smaller.quorum(floor);
        long spareLarger = alive + 1 - current.with(replacement).quorum(floor);
        return smaller.size() >= 2 && spareSmaller >= spareLarger;
    }

    /**
     * The next change for a voter that leaves (proposed by itself, or by the driver). A seat whose node
     * already runs a new process goes first as the driver would take it ({@link #replacedSeat}): a
     * leaver taking itself out first would leave that dead seat among fewer voters. So does a voter gone
     * for the removal delay, or a lost heir (added as a voter was leaving, by whichever member
     * proposed it: see {@link #noteHeirs}; heard by this member once; and only where the voters left
     * without the leaver would have no live majority, so that a newcomer paused a moment keeps its
     * seat where the others can change the voters without it): two voters with one of them dead have
     * no majority to change anything. One gone for less may be restarting with its state, frozen, or
     * cut off from this member alone, and keeps its seat. A leaver that does not hear an heir where
     * the voters left without it would have no live majority leaves the order to the driver; the
     * driver, where it cannot tell that they would have one, leaves it to the leavers (a voter it
     * does not hear may be leaving too, and only the leavers can tell which of them goes first: see
     * {@link #otherLeaverFirst}). Then, where the leaver's removal would take the voters below the
     * floor (under which no quorum exists) or to none, a live process that is no voter yet takes the
     * seat first; else the fleet stalls until that process's change, a lease and margin later.
     */
    private Optional<Voters> leave(Voters current, String leaver, View view,
                                   Map<String, SessionTable.SessionInfo> live) {
        Optional<String> replaced = replacedSeat(current, live);
        if (replaced.isPresent()) {
            return replaced.map(current::without);
        }
        String self = state.voterId();
        Voters rest = current.without(leaver);
        boolean restStalls = !hearsAMajority(rest, live);
        Optional<String> gone = current.size() <= 2 ? Optional.empty() : current.ids().stream()
                .filter(v -> !v.equals(leaver) && !v.equals(self) && !live.containsKey(v))
                .filter(v -> (restStalls && heirs.contains(v) && heardAt.containsKey(v))
                        || view.nowNanos() - missingSince.getOrDefault(v, view.nowNanos())
                                >= timing.removalDelayNanos())
                .findFirst();
        if (gone.isPresent()) {
            return Optional.of(current.without(gone.get()));
        }
        if (!leaver.equals(self) && restStalls) {
            // Taking out the one leaver it heard, a driver cut off from another that left at the same
            // moment left itself and that one, about to go: two voters with one gone, for good.
            return Optional.empty();
        }
        Optional<String> other = leaver.equals(self) ? otherLeaverFirst(current, view, live) : Optional.empty();
        if (other.isPresent()) {
            return other.map(current::without);
        }
        if (leaver.equals(self) && restStalls && current.ids().stream()
                .anyMatch(v -> !v.equals(self) && !live.containsKey(v) && heirs.contains(v))) {
            // An heir this leaver never heard, where the voters left without it would have no live
            // majority as far as it can tell: the driver, which heard the heir, decides the order (a
            // lost one goes first); taken out first, this one left the driver and a dead heir, for
            // good. Only for an heir: an unheard voter of longer standing may be the driver itself,
            // and a leaver waiting for it exited seated (a scale-in with one link cut).
            return Optional.empty();
        }
        Optional<String> heir = current.size() > floor ? Optional.empty() : newcomer(current, view, live);
        heir.ifPresent(heirs::add);
        return current.size() > 1 && heir.isEmpty() ? Optional.of(current.without(leaver)) : heir.map(current::with);
    }

    /**
     * A leave's next step as the driver proposes it. The leaver's own removal waits for twice the
     * leavers' own wait ({@link #leavingAWhile}) after this member saw it leaving: of voters leaving
     * at once, the leavers can tell which goes first, and a driver cut off from one of them still
     * counts it live; taking out the one it heard, it left itself and the cut-off one, which then
     * exited seated: two voters with one gone, for good (SimultaneousLeavesCutFromTheStayingDriverTest,
     * 20 of 20 seeds with a cut under a second old). An heir, or a dead seat, goes at once: the leaver
     * may not hear the heir, and without it would take the voters below the floor.
     */
    private Optional<Voters> leaveByTheDriver(Voters current, String leaver, View view,
                                              Map<String, SessionTable.SessionInfo> live) {
        Optional<Voters> next = leave(current, leaver, view, live);
        boolean early = view.nowNanos() - leavingSeenAt.getOrDefault(leaver, view.nowNanos())
                < timing.callTimeoutNanos() / 4;
        return early && next.filter(n -> !n.contains(leaver)).isPresent() ? Optional.empty() : next;
    }

    /**
     * Whether this member has been leaving for a resend interval. Voters sent SIGTERM at the same
     * moment (a drain, a parallel scale-in) then know each other as leaving before either proposes,
     * and the one that can finish its leave takes the other out first ({@link #otherLeaverFirst}).
     * Proposing at once, each took itself out before it heard the other, and one cut off from the
     * voter staying exited seated beside it, for good (SimultaneousLeavesAfterAnHeirTest, 20 of 20
     * seeds where no change had been made for a few seconds).
     */
    private boolean leavingAWhile(View view) {
        return view.nowNanos() - leavingSince >= timing.callTimeoutNanos() / 8;
    }

    /** Whether this member hears a majority of {@code voters}, itself included. */
    private boolean hearsAMajority(Voters voters, Map<String, SessionTable.SessionInfo> live) {
        String self = state.voterId();
        return voters.ids().stream().filter(v -> v.equals(self) || live.containsKey(v)).count() >= voters.majority();
    }

    /**
     * Another voter leaving at the same time that this leaver takes out before itself, where it can
     * then finish its own leave: it hears a majority of the voters left, and they are more than
     * itself or it hears a process to hand its seat to. Each step after is then one this leaver can
     * make. Taken out first, it left the other's removal to a link it cannot see: with two SIGTERMs
     * at once and the other cut off from the one voter staying, that one exited seated beside it, two
     * voters with one gone, for good (SimultaneousLeavesAfterAnHeirTest, 20 of 20 seeds). Not at the
     * floor or below: there an heir comes in first.
     */
    private Optional<String> otherLeaverFirst(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        if (current.size() <= floor) {
            return Optional.empty();
        }
        String self = state.voterId();
        return current.ids().stream()
                .filter(v -> !v.equals(self) && live.containsKey(v) && live.get(v).closing())
                .filter(v -> {
                    Voters rest = current.without(v);
                    return hearsAMajority(rest, live) && (rest.size() > 1 || newcomer(rest, view, live).isPresent());
                })
                .findFirst();
    }

    /**
     * The oldest live process, not leaving, that is not a voter yet: of this lineage, or of one that
     * ranks below it. A cluster that won a merge adds the other side's first process in one change,
     * not once that process has moved and opened a new session here (a lease plus margin later): a
     * winner that shrank to two voters is then as fragile as two voters only for that one change.
     */
    private Optional<String> newcomer(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        return candidate(current, view, live).filter(id -> keepsAQuorum(current, id, view));
    }

    /**
     * Whether adding {@code newcomer} keeps a quorum among the processes whose acknowledgements
     * count now. A process that has just moved from another lineage, or has not moved yet, answers as
     * warming up for a lease plus margin: it is added only where it does not raise the quorum (an even
     * number of voters becoming odd: two to three, four to five), since a voter that crashed a moment
     * ago still looks as if it counted, and a higher quorum would then let every lease lapse until the
     * newcomer warms up.
     */
    private static boolean keepsAQuorum(Voters current, String newcomer, View view) {
        Voters next = current.with(newcomer);
        if (!view.counting().contains(newcomer) && next.majority() > current.majority()) {
            return false;
        }
        long counting = next.ids().stream().filter(view.counting()::contains).count();
        return counting >= next.majority();
    }

    private Optional<String> candidate(Voters current, View view, Map<String, SessionTable.SessionInfo> live) {
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < view.memberOrder().size(); i++) {
            order.put(view.memberOrder().get(i), i);
        }
        return live.values().stream()
                .filter(s -> !current.contains(s.voterId()) && !s.closing()
                        && (s.lineage().equals(current.lineage()) || state.outranks(s.lineage())))
                .min(Comparator.comparingInt((SessionTable.SessionInfo s) -> order.getOrDefault(s.memberUuid(),
                        Integer.MAX_VALUE)))
                .map(SessionTable.SessionInfo::voterId);
    }

    private void backOff(long now) {
        quietUntil = now + random.nextLong(timing.callTimeoutNanos() / 4, timing.callTimeoutNanos());
    }

    private void propose(Voters base, Voters wanted, View view, Map<String, SessionTable.SessionInfo> live) {
        Map<String, String> memberOfVoter = new LinkedHashMap<>();
        for (SessionTable.SessionInfo s : live.values()) {
            if (base.contains(s.voterId())) {
                memberOfVoter.put(s.voterId(), s.memberUuid());
            }
        }
        memberOfVoter.put(state.voterId(), view.selfUuid());
        memberOfVoter.keySet().retainAll(base.ids());
        if (memberOfVoter.size() < base.majority()) {
            return;
        }
        long round = Math.max(state.promisedRound(), proposalRound) + 1;
        proposalRound = round;
        proposal = new Proposal(base, wanted, new Ballot(round, proposer), memberOfVoter, view.nowNanos(),
                view.sessions().stream().map(SessionTable.SessionInfo::memberUuid).distinct().toList());
        log.debug("Proposing {} (ballot {})", wanted, proposal.ballot);
        proposal.prepare();
    }

    /** Whether a proposal is under way. */
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
        final Set<String> refusals = new HashSet<>();
        Voters value;
        VotersRequest phaseRequest;
        BiConsumer<String, VotersReply> phaseHandler;
        long lastResend;
        boolean accepting;
        boolean done;
        /** So many voters refused that no majority is left: give up at once rather than at the timeout. */
        boolean refused;

        Proposal(Voters base, Voters wanted, Ballot ballot, Map<String, String> memberOfVoter, long startedAt,
                 List<String> everyone) {
            this.base = base;
            this.wanted = wanted;
            this.ballot = ballot;
            this.memberOfVoter = memberOfVoter;
            this.startedAt = startedAt;
            this.lastResend = startedAt;
            this.everyone = everyone;
        }

        void prepare() {
            sendPhase(VotersRequest.prepare(base, ballot), this::onPromise);
        }

        private void sendPhase(VotersRequest request, BiConsumer<String, VotersReply> handler) {
            phaseRequest = request;
            phaseHandler = handler;
            new ArrayList<>(memberOfVoter.entrySet()).forEach(e -> send(e.getKey(), e.getValue(), request, handler));
        }

        /**
         * Sends the current phase's request again to the voters that have not answered it: a lost
         * message or reply then costs a resend interval, not the whole call timeout, which a leaver's
         * bounded close cannot spare twice. A voter answers a repeated request alike (the same ballot
         * is promised again and its value accepted again), so a duplicate changes nothing.
         */
        void resendIfDue(long now) {
            if (now - lastResend < timing.callTimeoutNanos() / 8) {
                return;
            }
            lastResend = now;
            Set<String> answered = accepting ? accepted : promises.keySet();
            new ArrayList<>(memberOfVoter.entrySet()).stream()
                    .filter(e -> !e.getKey().equals(state.voterId()) && !answered.contains(e.getKey())
                            && !refusals.contains(e.getKey()))
                    .forEach(e -> send(e.getKey(), e.getValue(), phaseRequest, phaseHandler));
        }

        private void send(String voter, String uuid, VotersRequest request,
                          BiConsumer<String, VotersReply> handler) {
            if (voter.equals(state.voterId())) {
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

        private void refusedBy(String voter) {
            refusals.add(voter);
            if (refusals.size() > base.size() - base.majority()) {
                refused = true;
            }
        }

        private void onPromise(String voter, VotersReply reply) {
            learnFrom(reply);
            proposalRound = Math.max(proposalRound, reply.promisedRound);
            if (!reply.ok) {
                refusedBy(voter);
                return;
            }
            if (accepting) {
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
            acceptHereFirst();
        }

        /**
         * Accepts here before asking the others, when this process is a voter, so that the request
         * can say so: an acceptor that accepts it then knows two acceptances, a majority of two or three.
         */
        private void acceptHereFirst() {
            boolean voter = memberOfVoter.containsKey(state.voterId());
            VotersRequest local = VotersRequest.accept(base, ballot, value, false);
            VotersReply mine = voter ? local.applyTo(state) : null;
            VotersRequest request = VotersRequest.accept(base, ballot, value, mine != null && mine.ok);
            phaseRequest = request;
            phaseHandler = this::onAccepted;
            if (mine != null) {
                onAccepted(state.voterId(), mine);
            }
            new ArrayList<>(memberOfVoter.entrySet()).stream().filter(e -> !e.getKey().equals(state.voterId()))
                    .forEach(e -> send(e.getKey(), e.getValue(), request, this::onAccepted));
        }

        private void onAccepted(String voter, VotersReply reply) {
            learnFrom(reply);
            proposalRound = Math.max(proposalRound, reply.promisedRound);
            if (done) {
                return;
            }
            if (!reply.ok) {
                refusedBy(voter);
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
                if (!uuid.equals(memberOfVoter.get(state.voterId()))) {
                    calls.call(uuid, learn, ignored -> { });
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
