package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Nodes with real voter states, lock tables, sessions and voter drivers, talking through a
 * simulated network on one manual clock: random delays (some longer than the resend interval, so
 * messages and replies overtake each other), drops, partitions, frozen and crashed processes, and
 * for each node its own view of the member list, which changes only after a heartbeat timeout as
 * Hazelcast's does. Nodes join, leave gracefully, crash, come back under the same id or a new one,
 * and merge back after a partition with a new member id. Deterministic per seed.
 */
final class SimulatedNetwork {

    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** HzCoordination's bound on a leaving voter's wait to give its seat back, for this lease and margin. */
    static long seatReturnBound(long lease, long margin) {
        return HzCoordination.seatReturnBound(java.time.Duration.ofNanos(lease + margin)).toNanos();
    }
    /** How often a node's session loop runs, as SessionLoop does at most. */
    static final long LOOP = 10 * MS;

    final AtomicLong clock = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    final Random random;
    final List<SimNode> nodes = new ArrayList<>();
    final long lease;
    final long margin;
    final int minClusterSize;
    long heartbeatTimeout = 1000 * MS;
    long mergeDelay = 1500 * MS;
    long removalDelay = 4000 * MS;
    /** How long the oldest waits for the member list to stop growing before it founds (none by default). */
    long bootstrapSettle;
    /** How long a closing node waits for every member to hear its session's end (HzSettings' close timeout). */
    static final long CLOSE_TIMEOUT = 2000 * MS;

    double dropRate;
    /** Whether nodes started from now on take and write registers (step 1 of the records in the lock tables). */
    boolean registersOn;
    /** Whether acceptors answer every session, not only a worker's holder (see TableRegisters#answerEveryone). */
    boolean registersAnswerEveryone;
    /** With registers: whether voter changes go ahead without the pull (a power check: unsafe). */
    boolean pullGateOff;
    /** With registers: whether members run anti-entropy ({@link RegisterSync}). */
    boolean registerSync = true;
    /** How many workers' values a pulled piece carries (small, for runs that need many pieces). */
    int pullPiece = VoterPulls.PIECE;
    /** Anti-entropy digests and values delivered. */
    long syncReplies;
    /** Pull pieces delivered, for tests that check the pull was exercised. */
    long pullReplies;
    /** Register replies delivered, for tests that check the registers were exercised. */
    long registerReplies;
    /** Told of every session message a member's table applies (to count the register operations it got). */
    java.util.function.BiConsumer<SimNode, SessionMessage> onSessionMessage = (to, m) -> { };
    /** Voters requests to drop on their way to a node, beside {@link #dropRate}. */
    java.util.function.BiPredicate<SimNode, VotersRequest> dropVoters = (to, request) -> false;
    long maxDelay = 20 * MS;
    /** Now and then a message waits this long: it arrives after its resend. */
    long longDelay = 0;
    double longDelayRate;
    /**
     * Now and then a voters request is also applied once more, up to this long later (a retried
     * Hazelcast invocation, a stale copy): the copy's reply goes nowhere.
     */
    long duplicateDelay = 0;
    double duplicateRate;
    /**
     * Now and then a session message is also applied once more, up to this long later (Hazelcast retrying
     * an invocation whose first execution happened): the copy's reply goes nowhere.
     */
    long sessionCopyDelay = 0;
    double sessionCopyRate;
    /** Voters requests applied (copies included), for the load they put on acceptors' disks. */
    long votersRequestsApplied;
    /** Links (from node index, to node index) whose messages take a given time. */
    private final Map<List<Integer>, Long> slowLinks = new HashMap<>();
    /** Answers from a member back to a sender that take about this long (the way back alone). */
    private final Map<List<Integer>, Long> slowAnswers = new HashMap<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long sequence;
    private long joins;
    private long nextTick;

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** One node: its process (which may be restarted) and what it suffers. */
    final class SimNode {
        final int index;
        String nodeId;
        UUID uuid;
        Member member;
        long joinOrder;
        long wallOffsetMillis;
        /** Where this process's monotonic clock stands against the network's (System.nanoTime's arbitrary origin). */
        long nanoOffset;
        VoterState voters;
        FenceFloor floor;
        PeerClocks clocks;
        SessionTable table;
        LocalSession session;
        VotersDriver driver;
        LocalSession.Context context;
        final Set<String> registered = new HashSet<>();
        long diedAt = -1;
        int generation;
        boolean up;
        boolean frozen;
        boolean leaving;
        /** The nodes this node's Hazelcast member counts as members, itself included. */
        final Set<SimNode> view = new LinkedHashSet<>();
        final Map<SimNode, Long> silentSince = new HashMap<>();
        final Map<SimNode, Long> reachableSince = new HashMap<>();
        final Set<Integer> cutFrom = new HashSet<>();
        final List<String> lost = new ArrayList<>();
        final List<String> orphaned = new ArrayList<>();
        /** The node's disk: voter state that outlives a process when it restarts under the same id. */
        final DiskStore disk = new DiskStore();
        /** The node's register log: what was forced outlives a crash; a restart without state starts it anew. */
        MemoryRegisterLog<SlotState> registerDisk = new MemoryRegisterLog<>();
        TableRegisters registers;
        VoterPulls pulls;
        RegisterSync sync;

        SimNode(int index) {
            this.index = index;
        }

        /** Starts (or restarts) the process: fresh state, a new member id. */
        void boot(String id) {
            nodeId = id;
            uuid = new UUID(index, ++generation);
            member = memberProxy(uuid, index);
            joinOrder = ++joins;
            java.util.function.LongSupplier local = () -> clock.get() + nanoOffset;
            long lifeStart = local.getAsLong();
            voters = new VoterState(nodeId, null, local, lease + margin, random, disk);
            floor = new FenceFloor();
            clocks = new PeerClocks(() -> TimeUnit.NANOSECONDS.toMillis(clock.get()) + wallOffsetMillis, local);
            table = new SessionTable(lease + margin, lease * 3 / 10, local, voters, floor, clocks::wallMillis);
            table.listener(new SessionFixtures.Quiet() {
                @Override
                public void orphaned(String worker) {
                    orphaned.add(worker);
                }
            });
            registers = null;
            pulls = null;
            sync = null;
            if (registersOn) {
                SimNode self = this;
                registers = new TableRegisters(registerDisk, voters, (to, reply) -> sendRegisterReply(self, to, reply));
                if (registersAnswerEveryone) {
                    registers.answerEveryone();
                }
                table.registers(registers);
                if (registerSync) {
                    sync = new RegisterSync(voters, registers, this::callPull, lease + margin, (lease + margin) / 5,
                            Runnable::run);
                }
                if (!pullGateOff) {
                    pulls = new VoterPulls(voters, registers, this::callPull, (lease + margin) / 5, pullPiece,
                            Runnable::run);
                    voters.gate(pulls);
                }
            }
            context = new LocalSession.Context(nodeId, () -> uuid.toString(), table, voters, floor, clocks, local,
                    lease, minClusterSize, () -> { }, new LongAdder());
            registered.clear();
            session = newSession();
            driver = new VotersDriver(voters, this::callVoters, new VotersDriver.Timing(lease + margin, removalDelay,
                    2000 * MS, 800 * MS, bootstrapSettle), minClusterSize, lifeStart, random);
            up = true;
            frozen = false;
            leaving = false;
            diedAt = -1;
            view.clear();
            silentSince.clear();
            reachableSince.clear();
            view.add(this);
        }

        LocalSession newSession() {
            return new LocalSession(sessionId(), registered, context);
        }

        private String sessionId() {
            return nodeId + "/" + index + "-" + (generation * 1000 + sessionCount++);
        }

        private int sessionCount;

        boolean healthy() {
            return up && !frozen;
        }

        /** One round of the session loop, as HzCoordination.maintain and SessionLoop do. */
        void loop(boolean heartbeat) {
            if (!healthy()) {
                return;
            }
            long now = clock.get() + nanoOffset;
            if (registers != null) {
                // The force thread's group commit: every answer taken since the last loop, after one force.
                registers.flush();
            }
            if (session.checkValidity(now)) {
                diedAt = now;
            }
            if (session.isDead() && now - diedAt > lease + margin) {
                LocalSession old = session;
                session = old.successor(sessionId(), registered);
                table.forget(old.id);
            }
            List<String> order = view.stream().sorted(Comparator.comparingLong(n -> n.joinOrder))
                    .map(n -> n.uuid.toString()).toList();
            driver.tick(new VotersDriver.View(now, clocks.wallMillis(), uuid.toString(), order, table.sessions(),
                    session.notParticipating(), session.counting(), leaving));
            if (pulls != null) {
                pulls.tick(now, table.sessions(), uuid.toString());
            }
            if (sync != null) {
                sync.tick(now, table.sessions());
            }
            table.sweep();
            Set<Member> members = new LinkedHashSet<>();
            view.stream().sorted(Comparator.comparingLong(n -> n.joinOrder)).forEach(n -> members.add(n.member));
            for (LocalSession.Outgoing o : session.round(members, now, heartbeat)) {
                SimNode to = byUuid(o.member().getUuid());
                if (to != null) {
                    sendSession(this, to, session, o);
                }
            }
        }

        private void callPull(String memberUuid, PullRequest request, Consumer<PullReply> onReply) {
            SimNode to = byUuid(UUID.fromString(memberUuid));
            SimNode from = this;
            UUID fromUuid = uuid;
            if (to == null || lost(from, to)) {
                later(2000 * MS, () -> onReply.accept(null));
                return;
            }
            later(delay(from, to), () -> deliver(from, fromUuid, to, to.uuid, () -> to.registers == null
                    ? PullReply.nothing() : to.registers.pull(request), reply -> {
                        if (reply != null && request.kind == PullRequest.Kind.VALUES) {
                            pullReplies++;
                        } else if (reply != null) {
                            syncReplies++;
                        }
                        onReply.accept(reply);
                    }));
        }

        private void callVoters(String memberUuid, VotersRequest request, Consumer<VotersReply> onReply) {
            SimNode to = byUuid(UUID.fromString(memberUuid));
            if (to == null) {
                later(2000 * MS, () -> onReply.accept(null));
                return;
            }
            SimNode from = this;
            UUID fromUuid = uuid;
            if (lost(from, to) || dropVoters.test(to, request)) {
                later(2000 * MS, () -> onReply.accept(null));
                return;
            }
            later(delay(from, to), () -> deliverVoters(from, fromUuid, to, to.uuid, request, onReply));
            if (duplicateDelay > 0 && random.nextDouble() < duplicateRate) {
                UUID target = to.uuid;
                later((long) (random.nextDouble() * duplicateDelay), () -> deliverVoters(from, fromUuid, to, target,
                        request, reply -> { }));
            }
        }

        @Override
        public String toString() {
            return nodeId + "#" + index;
        }
    }

    SimulatedNetwork(long seed, long lease, long margin, int minClusterSize) {
        this.random = new Random(seed);
        this.lease = lease;
        this.margin = margin;
        this.minClusterSize = minClusterSize;
    }

    private static Member memberProxy(UUID uuid, int index) {
        return SessionFixtures.member(uuid, "member-" + index + "-" + uuid.getLeastSignificantBits());
    }

    /**
     * Starts {@code first}, then {@code second} a moment later, and runs until both know the two of
     * them as the voters: the oldest (first) drives.
     */
    SimNode[] twoVoters(String first, String second) {
        SimNode a = start(first);
        run(100);
        SimNode b = start(second);
        awaitTrue(() -> a.voters.current().size() == 2 && b.voters.current().size() == 2, "two voters");
        return new SimNode[] {a, b};
    }

    /** Starts a new node that joins the cluster of the oldest healthy node it can reach. */
    SimNode start(String nodeId) {
        SimNode n = new SimNode(nodes.size());
        nodes.add(n);
        n.boot(nodeId);
        joinCluster(n);
        return n;
    }

    /** Restarts a crashed node's process, under the same node id (with its voter state) or a new one. */
    void restart(SimNode n, String nodeId) {
        restart(n, nodeId, true);
    }

    /**
     * Restarts a crashed node's process; with {@code keepState} false, its voter state is lost
     * (a pod rescheduled without its volume), so it comes back as a new voter.
     */
    void restart(SimNode n, String nodeId, boolean keepState) {
        if (!keepState || !nodeId.equals(n.nodeId)) {
            n.disk.wipe();
            n.registerDisk = new MemoryRegisterLog<>();
        }
        n.boot(nodeId);
        joinCluster(n);
    }

    /**
     * Restarts a crashed node {@code after} from now, once the cluster is whole: a node that starts cut
     * off from every other founds a cluster of its own, which no protocol without storage can prevent
     * (BATON_MIN_CLUSTER_SIZE does; see aNodeStartingCutOffRunsNothingWithAFloor).
     */
    void restartWhenWhole(SimNode node, String id, long after, boolean keepState) {
        later(after, () -> {
            if (nodes.stream().anyMatch(n -> !n.cutFrom.isEmpty())) {
                restartWhenWhole(node, id, 500 * MS, keepState);
            } else {
                restart(node, id, keepState);
            }
        });
    }

    /** A voter store on a simulated disk: every save lands at once and survives the process. */
    static class DiskStore implements VoterStore {
        private VoterStore.Saved saved;
        /** Told of every save (a test that audits what acceptors kept), or null. */
        java.util.function.Consumer<VoterStore.Saved> onSave;

        void wipe() {
            saved = null;
        }

        @Override
        public java.util.Optional<VoterStore.Saved> load() {
            return java.util.Optional.ofNullable(saved);
        }

        @Override
        public void save(VoterStore.Saved state) {
            saved = state;
            if (onSave != null) {
                onSave.accept(state);
            }
        }

        @Override
        public boolean durable() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private void joinCluster(SimNode n) {
        nodes.stream().filter(o -> o != n && o.healthy() && !lostLink(n, o))
                .min(Comparator.comparingLong(o -> o.joinOrder))
                .ifPresent(oldest -> {
                    for (SimNode member : new ArrayList<>(oldest.view)) {
                        if (member.healthy() && !lostLink(n, member)) {
                            member.view.add(n);
                            n.view.add(member);
                        }
                    }
                });
    }

    /** kill -9: the process is gone; its connections close, so the others notice within a moment. */
    void crash(SimNode n) {
        n.up = false;
        n.registerDisk.crash();
        for (SimNode o : nodes) {
            if (o != n && o.view.contains(n)) {
                later((50 + random.nextInt(400)) * MS, () -> o.view.remove(n));
            }
        }
    }

    /** SIGTERM: the node announces it leaves, gives its voter seat back, then its process ends. */
    void leave(SimNode n, long maxWait) {
        n.leaving = true;
        n.session.closing();
        LeaveWait wait = new LeaveWait(clock.get(), maxWait, maxWait + 2 * (lease + margin),
                n.voters.current().version());
        Runnable[] check = new Runnable[1];
        long[] unseatedAt = {-1};
        check[0] = () -> {
            // As HzCoordination.leaveVoters: one of several voters, or the last while another process could take over.
            Voters current = n.voters.current();
            boolean seated = current.contains(n.voters.voterId()) && (current.size() > 1
                    || n.view.stream().anyMatch(o -> o != n && o.healthy() && !o.leaving));
            // Then, as HzCoordination.awaitAcknowledged, until every member heard the session to its end
            // (its voters among it), for at most the close timeout.
            if (!seated && unseatedAt[0] < 0) {
                unseatedAt[0] = clock.get();
            }
            boolean told = !seated && (n.session.allAcknowledged() || clock.get() - unseatedAt[0] >= CLOSE_TIMEOUT);
            if (n.up && (told || wait.over(clock.get(), current.version()))) {
                crash(n);
            } else if (n.up) {
                later(20 * MS, check[0]);
            }
        };
        later(20 * MS, check[0]);
    }

    void cut(int a, int b) {
        nodes.get(a).cutFrom.add(b);
        nodes.get(b).cutFrom.add(a);
    }

    /** Splits the nodes into the given groups; links between groups drop everything. */
    void partition(List<List<Integer>> groups) {
        for (List<Integer> g : groups) {
            for (List<Integer> h : groups) {
                if (g != h) {
                    g.forEach(a -> h.forEach(b -> cut(a, b)));
                }
            }
        }
    }

    void heal() {
        nodes.forEach(n -> n.cutFrom.clear());
    }

    SimNode byUuid(UUID uuid) {
        for (SimNode n : nodes) {
            if (n.up && n.uuid.equals(uuid)) {
                return n;
            }
        }
        return null;
    }

    private boolean lostLink(SimNode a, SimNode b) {
        return a.cutFrom.contains(b.index) || b.cutFrom.contains(a.index);
    }

    private boolean lost(SimNode a, SimNode b) {
        return lostLink(a, b) || random.nextDouble() < dropRate;
    }

    /** Messages from node {@code from} to node {@code to} take about {@code delay} from now on. */
    void slowLink(int from, int to, long delay) {
        slowLinks.put(List.of(from, to), delay);
    }

    /** Answers of node {@code member} to node {@code sender}'s messages take about {@code delay} from now on. */
    void slowAnswers(int sender, int member, long delay) {
        slowAnswers.put(List.of(sender, member), delay);
    }

    private long answerDelay(SimNode from, SimNode to) {
        Long slow = slowAnswers.get(List.of(from.index, to.index));
        return slow != null ? slow + (long) (random.nextDouble() * maxDelay) : delay(from, to);
    }

    private long delay(SimNode from, SimNode to) {
        Long slow = slowLinks.get(List.of(from.index, to.index));
        return slow != null ? slow + (long) (random.nextDouble() * maxDelay) : delay();
    }

    private long delay() {
        if (longDelay > 0 && random.nextDouble() < longDelayRate) {
            return longDelay + (long) (random.nextDouble() * longDelay);
        }
        return (long) (random.nextDouble() * maxDelay);
    }

    private void sendSession(SimNode from, SimNode to, LocalSession sender, LocalSession.Outgoing o) {
        String toUuid = to.uuid.toString();
        if (lost(from, to)) {
            later(lease / 5 + MS, () -> sender.onFailure(toUuid, o.sentNanos()));
            return;
        }
        UUID target = to.uuid;
        later(delay(from, to), () -> deliverSession(from, to, target, sender, toUuid, o));
        if (sessionCopyDelay > 0 && random.nextDouble() < sessionCopyRate) {
            later((long) (random.nextDouble() * sessionCopyDelay), () -> {
                if (to.up && to.uuid.equals(target) && !to.frozen
                        && to.view.stream().anyMatch(n -> n.uuid.toString().equals(o.message().memberUuid))) {
                    to.table.receive(o.message());
                }
            });
        }
    }

    private void deliverSession(SimNode from, SimNode to, UUID target, LocalSession sender, String toUuid,
                                LocalSession.Outgoing o) {
        if (!to.up || !to.uuid.equals(target)) {
            later(lease / 5, () -> sender.onFailure(toUuid, o.sentNanos()));
            return;
        }
        if (to.frozen) {
            later(10 * MS, () -> deliverSession(from, to, target, sender, toUuid, o));
            return;
        }
        boolean member = to.view.stream().anyMatch(n -> n.uuid.toString().equals(o.message().memberUuid));
        if (member) {
            onSessionMessage.accept(to, o.message());
        }
        SessionReply reply = member ? to.table.receive(o.message()) : SessionReply.of(SessionReply.Status.NOT_MEMBER);
        if (lost(to, from)) {
            later(lease / 5, () -> sender.onFailure(toUuid, o.sentNanos()));
            return;
        }
        later(answerDelay(from, to), () -> replyArrives(from, sender, toUuid, o, reply));
    }

    private void replyArrives(SimNode from, LocalSession sender, String toUuid, LocalSession.Outgoing o,
                              SessionReply reply) {
        if (!from.up) {
            return;
        }
        if (from.frozen) {
            later(10 * MS, () -> replyArrives(from, sender, toUuid, o, reply));
            return;
        }
        sender.onReply(toUuid, o.message(), o.sentNanos(), reply);
    }

    private void sendRegisterReply(SimNode from, String toUuid, RegisterReply reply) {
        SimNode to = byUuid(UUID.fromString(toUuid));
        if (to == null || lost(from, to)) {
            return;
        }
        UUID target = to.uuid;
        later(delay(from, to), () -> deliverRegisterReply(to, target, reply));
    }

    private void deliverRegisterReply(SimNode to, UUID target, RegisterReply reply) {
        if (!to.up || !to.uuid.equals(target)) {
            return;
        }
        if (to.frozen) {
            later(10 * MS, () -> deliverRegisterReply(to, target, reply));
            return;
        }
        if (to.session.id.equals(reply.session)) {
            registerReplies++;
            to.session.onRegisterReply(reply);
        }
    }

    private void deliverVoters(SimNode from, UUID fromUuid, SimNode to, UUID target, VotersRequest request,
                               Consumer<VotersReply> onReply) {
        deliver(from, fromUuid, to, target, () -> {
            votersRequestsApplied++;
            return request.applyTo(to.voters);
        }, onReply);
    }

    /** Applies a request at {@code to} (waiting while it is frozen) and carries the reply back, if both live. */
    private <T> void deliver(SimNode from, UUID fromUuid, SimNode to, UUID target, java.util.function.Supplier<T> apply,
                             Consumer<T> onReply) {
        if (!to.up || !to.uuid.equals(target)) {
            later(2000 * MS, () -> onReply.accept(null));
            return;
        }
        if (to.frozen) {
            later(10 * MS, () -> deliver(from, fromUuid, to, target, apply, onReply));
            return;
        }
        T reply = apply.get();
        if (lost(to, from)) {
            later(2000 * MS, () -> onReply.accept(null));
            return;
        }
        later(delay(from, to), () -> {
            if (from.up && from.uuid.equals(fromUuid)) {
                if (from.frozen) {
                    later(10 * MS, () -> onReply.accept(reply));
                } else {
                    onReply.accept(reply);
                }
            }
        });
    }

    void later(long after, Runnable action) {
        events.add(new Event(clock.get() + after, sequence++, action));
    }

    /** Moves time by {@code step}: deliveries, session loops, member-list changes. */
    void advance(long step) {
        long target = clock.get() + step;
        while (true) {
            long nextEvent = events.isEmpty() ? Long.MAX_VALUE : events.peek().at();
            long next = Math.min(nextEvent, nextTick);
            if (next > target) {
                break;
            }
            clock.set(Math.max(clock.get(), next));
            if (next == nextEvent) {
                events.poll().action().run();
            } else {
                tick();
            }
        }
        clock.set(target);
    }

    private void tick() {
        long now = clock.get();
        boolean heartbeat = (now / LOOP) % (lease / 10 / LOOP) == 0;
        for (SimNode n : new ArrayList<>(nodes)) {
            n.loop(heartbeat);
        }
        if ((now / LOOP) % 10 == 0) {
            updateViews(now);
        }
        nextTick = now + LOOP;
    }

    /** Hazelcast's failure detector and merge: drop members silent past the timeout, merge reachable ones later. */
    private void updateViews(long now) {
        for (SimNode n : nodes) {
            if (!n.healthy()) {
                continue;
            }
            for (SimNode o : nodes) {
                if (o == n) {
                    continue;
                }
                boolean talks = o.up && !o.frozen && !lostLink(n, o);
                if (n.view.contains(o)) {
                    n.reachableSince.remove(o);
                    // Silent, or it no longer counts this node (it removed it while this node was frozen).
                    boolean gone = !talks || !o.view.contains(n);
                    if (!gone || !o.up) {
                        n.silentSince.remove(o);
                    } else if (n.silentSince.computeIfAbsent(o, x -> now) < now - heartbeatTimeout) {
                        n.view.remove(o);
                        n.silentSince.remove(o);
                    }
                } else if (talks && !o.view.contains(n)) {
                    // Lists that overlap merge too: Hazelcast's master would have removed one of the two, which
                    // then finds itself alone and merges (ClusterJoinManager turns a partial split into a full one).
                    if (n.reachableSince.computeIfAbsent(o, x -> now) < now - mergeDelay) {
                        merge(n, o);
                    }
                } else {
                    n.reachableSince.remove(o);
                }
            }
        }
    }

    /**
     * Two clusters meet: the smaller one's members restart their Hazelcast member (new ids) and join the larger.
     * Members both lists hold stay: they are in the larger cluster, as the master's list would have them.
     */
    private void merge(SimNode a, SimNode b) {
        Set<SimNode> big = a.view.size() >= b.view.size() ? a.view : b.view;
        Set<SimNode> small = big == a.view ? b.view : a.view;
        List<SimNode> moving = small.stream().filter(m -> !big.contains(m)).toList();
        List<SimNode> staying = new ArrayList<>(big);
        for (SimNode m : moving) {
            m.uuid = new UUID(m.index, ++m.generation + 1_000_000L);
            m.member = memberProxy(m.uuid, m.index);
            m.joinOrder = ++joins;
            m.view.clear();
            m.silentSince.clear();
            m.reachableSince.clear();
        }
        for (SimNode m : moving) {
            m.view.addAll(staying);
            m.view.addAll(moving);
        }
        for (SimNode s : staying) {
            s.view.addAll(moving);
            s.reachableSince.clear();
        }
    }

    /** Runs for {@code millis} of simulated time. */
    void run(long millis) {
        advance(millis * MS);
    }

    /** The nodes whose sessions consider themselves valid holders of {@code worker} now. */
    List<SimNode> holders(String worker) {
        List<SimNode> holders = new ArrayList<>();
        for (SimNode n : nodes) {
            if (n.up && n.session.holds(worker)) {
                holders.add(n);
            }
        }
        return holders;
    }

    /** {@link #awaitTrue(java.util.function.BooleanSupplier, long, String)} for at most a minute. */
    void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        awaitTrue(condition, 60_000, what);
    }

    /** Runs the network in 50 ms steps until {@code condition} holds; fails after {@code maxMillis}. */
    void awaitTrue(java.util.function.BooleanSupplier condition, long maxMillis, String what) {
        for (long t = 0; t <= maxMillis; t += 50) {
            if (condition.getAsBoolean()) {
                return;
            }
            run(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    /**
     * Starts n0..n{size-1} a moment apart and runs until each knows all of them as the voters: the
     * oldest (n0) drives.
     */
    List<SimNode> voters(int size) {
        List<SimNode> started = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            started.add(start("n" + i));
            run(100);
        }
        awaitTrue(() -> started.stream().allMatch(n -> n.voters.current().size() == size), size + " voters");
        return started;
    }

    /** Whether {@code node} gets {@code worker}'s lock when it asks once and waits {@code millis}; released after. */
    boolean grants(SimNode node, String worker, long millis) {
        java.util.concurrent.CompletableFuture<Boolean> granted = node.session.acquire(worker);
        run(millis);
        boolean held = granted.getNow(false) && node.session.holds(worker);
        node.session.release(worker, false);
        return held;
    }

    /**
     * Every configuration the watched processes learn, by lineage and version: two different ones of
     * one version are a fork, which the voters' single-decree rounds must never allow.
     */
    static final class Forks {
        private final Map<String, Voters> learned = new HashMap<>();
        final List<String> found = new ArrayList<>();

        /** Watches what {@code node}'s current process learns (a restarted process must be watched again). */
        void watch(SimNode node) {
            node.voters.onLearn(v -> {
                Voters old = learned.putIfAbsent(v.lineage() + "/" + v.version(), v);
                if (old != null && !old.ids().equals(v.ids())) {
                    found.add(v.lineage() + "/" + v.version() + " " + old.ids() + " vs " + v.ids());
                }
            });
        }
    }

    /** Asks for {@code worker}'s lock at {@code node} until it holds it (a minute at most). */
    void hold(SimNode node, String worker) {
        awaitTrue(() -> {
            if (node.session.holds(worker)) {
                return true;
            }
            node.session.release(worker, false);
            java.util.concurrent.CompletableFuture<Boolean> granted = node.session.acquire(worker);
            run(100);
            return granted.getNow(false);
        }, node + " to get " + worker);
    }
}
