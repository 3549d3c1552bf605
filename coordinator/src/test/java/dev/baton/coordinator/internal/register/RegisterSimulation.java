package dev.baton.coordinator.internal.register;

import dev.baton.coordinator.internal.register.RegisterAudit.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Seeded runs of the registers alone: acceptors that crash and resume from their forced log,
 * sessions that write concurrently (no lock keeps them apart here, so Paxos alone must keep the
 * chain), messages lost, duplicated, reordered and very late, and voters added and removed one
 * change at a time, each change accepted by a majority of the voters before it, behind the pull.
 * The audit checks every value a session learns chosen. Deterministic per seed: sets are sorted, as
 * the iteration order of {@code Set.of} changes from one JVM to the next.
 */
final class RegisterSimulation {

    static final String[] WORKERS = {"w0", "w1", "w2"};

    final Random random;
    final RegisterAudit audit = new RegisterAudit();
    final List<Set<String>> voters = new ArrayList<>();
    final Map<String, Member> members = new LinkedHashMap<>();
    /** Whether members accepting a change pull first; off only to show what the pull prevents. */
    boolean pullGate = true;
    double dropRate = 0.05;
    double duplicateRate = 0.02;
    double lateRate = 0.01;
    boolean faults = true;
    /** How often a write comes from a session other than the worker's writer of the moment. */
    double otherWriters = 0.1;
    /** The chance, every 10 ms, that the next voter change starts. */
    double changeRate = 0.01;
    /** A late message arrives lateMin to lateMin + lateSpread ms after it was sent. */
    int lateMin = 200;
    int lateSpread = 1800;
    /** Whether a voter removed keeps running (a non-voter) rather than stopping. */
    boolean keepRemoved;
    /** The chance, every 10 ms, of a crash or a cut. */
    double faultRate = 0.004;
    /** The chance that an operation is held up on the wire to about half its receivers for holdMin..holdMin+holdSpread ms. */
    double holdRate;
    int holdMin = 1000;
    int holdSpread = 6000;
    /** The chance that a member freezes (SIGSTOP) right after it hands a broadcast to its send queue. */
    double freezeRate;
    /** The chance, every 10 ms and per worker, that a write starts. */
    double writeRate = 0.05;
    /** The chance that a voter change adds back a member that left, with its disk, rather than a new one. */
    double returnRate;
    /** Whether a member added back resumes at the version it left with rather than the new one. */
    boolean returnAtOldVersion;
    /** What the acceptors answered, checked against what the sessions learn. */
    final QuorumAudit quorums = new QuorumAudit();
    int writes;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long sequence;
    private int nextMember;
    private int nextSession;
    private Change change;

    RegisterSimulation(long seed, int founders) {
        random = new Random(seed);
        TreeSet<String> first = new TreeSet<>();
        for (int i = 0; i < founders; i++) {
            first.add(startMember(0));
        }
        voters.add(Collections.unmodifiableSortedSet(first));
    }

    /** One member process: its acceptor, its durable parts, and the sessions it writes with. */
    final class Member {
        final String id;
        final MemoryRegisterLog<Value> log = new MemoryRegisterLog<>();
        long savedVersion;
        Acceptor<Value> acceptor;
        boolean alive = true;
        boolean stopped;
        long isolatedUntil;
        long frozenUntil;
        String session;
        final Map<String, Proposer<Value>> proposers = new HashMap<>();
        final Map<String, Consumer<Accepted<Value>>> whenWritten = new HashMap<>();
        final List<Runnable> unforced = new ArrayList<>();
        boolean forcing;
        PullGate<Value> gate;
        long gateFor = -1;

        Member(String id, long version) {
            this.id = id;
            this.savedVersion = version;
            resume();
        }

        void resume() {
            alive = true;
            acceptor = new Acceptor<>(log, savedVersion);
            session = id + "/s" + nextSession++;
            proposers.clear();
            whenWritten.clear();
            unforced.clear();
            forcing = false;
            gate = null;
            gateFor = -1;
        }

        void crash() {
            alive = false;
            log.crash();
            unforced.clear();
        }

        void learn(long version) {
            savedVersion = Math.max(savedVersion, version);
            acceptor.learn(version);
        }

        /** Sends after the next force, as an acceptor answers only what is durable. */
        void afterForce(Runnable send) {
            unforced.add(send);
            if (!forcing) {
                forcing = true;
                String incarnation = session;
                at(random.nextInt(3), () -> {
                    if (alive && incarnation.equals(session)) {
                        acceptor.force();
                        forcing = false;
                        List<Runnable> sends = new ArrayList<>(unforced);
                        unforced.clear();
                        sends.forEach(Runnable::run);
                    }
                });
            }
        }

        Proposer<Value> proposer(String worker) {
            String writer = session;
            return proposers.computeIfAbsent(worker, w -> new Proposer<>(writer, w, RegisterSimulation.this::votersOf,
                    chosen -> {
                        audit.learned(writer, w, chosen);
                        quorums.learned(writer, w, chosen);
                    }));
        }
    }

    private record Event(long time, long sequence, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            return time != other.time ? Long.compare(time, other.time) : Long.compare(sequence, other.sequence);
        }
    }

    /** A voter change under way: the version it makes, its voters, and who accepted it. */
    private record Change(long version, Set<String> next, String added, Set<String> accepted) {
    }

    Set<String> votersOf(long version) {
        return version >= 0 && version < voters.size() ? voters.get((int) version) : null;
    }

    long now() {
        return now;
    }

    void run(long millis) {
        long end = now + millis;
        while (!events.isEmpty() && events.peek().time <= end) {
            Event event = events.poll();
            now = event.time;
            event.action.run();
        }
        now = end;
    }

    void at(long delay, Runnable action) {
        events.add(new Event(now + delay, sequence++, action));
    }

    /** Starts a write of {@code worker} on {@code member}'s session, if it has none under way. */
    void write(Member member, String worker) {
        String session = member.session;
        int number = writes;
        write(member, worker, base -> new Value(session + "#" + number, base == null ? "-" : base.id()), done -> { });
    }

    /**
     * Starts a write of {@code worker} computed by {@code next} on {@code member}'s session, if it has
     * none under way; {@code done} hears, once it ends, the value it left chosen (null: nothing to write).
     */
    void write(Member member, String worker, UnaryOperator<Value> next, Consumer<Accepted<Value>> done) {
        if (!member.alive || member.frozenUntil > now || member.proposer(worker).isWriting()) {
            return;
        }
        writes++;
        String session = member.session;
        Proposer<Value> proposer = member.proposer(worker);
        Operation<Value> operation = proposer.write(next);
        if (!proposer.isWriting()) {
            done.accept(written(proposer));
            return;
        }
        member.whenWritten.put(worker, done);
        broadcast(member, operation);
        keepAsking(member, worker, session);
    }

    private static Accepted<Value> written(Proposer<Value> proposer) {
        return proposer.written() == null ? null : proposer.head();
    }

    private void keepAsking(Member member, String worker, String session) {
        at(20 + random.nextInt(60), () -> {
            if (!member.alive || !session.equals(member.session)) {
                return;
            }
            if (member.frozenUntil > now) {
                keepAsking(member, worker, session);
                return;
            }
            Proposer<Value> proposer = member.proposer(worker);
            if (proposer.isWriting()) {
                broadcast(member, proposer.retry());
                keepAsking(member, worker, session);
            }
        });
    }

    private void broadcast(Member from, Operation<Value> operation) {
        if (operation == null || operation.kind() == Operation.Kind.CHOSEN && random.nextBoolean()) {
            return;
        }
        String session = from.session;
        boolean hold = faults && holdRate > 0 && random.nextDouble() < holdRate;
        boolean freeze = faults && freezeRate > 0 && random.nextDouble() < freezeRate;
        long frozenFor = freeze ? holdMin + random.nextInt(holdSpread) : 0;
        if (freeze) {
            from.frozenUntil = now + frozenFor;
        }
        for (Member to : members.values()) {
            long held = hold && random.nextBoolean() ? holdMin + random.nextInt(holdSpread) : -1;
            if (freeze && to != from && random.nextBoolean()) {
                held = frozenFor + 1 + random.nextInt(4); // still in the frozen sender's queue
            }
            deliver(from, to, held, () -> {
                Answer<Value> answer = operation.applyTo(to.acceptor);
                if (answer != null) {
                    to.afterForce(() -> {
                        quorums.emitted(to.id, operation, answer);
                        deliver(to, from, () -> answered(from, session, to.id, operation, answer));
                    });
                }
            });
        }
    }

    private void answered(Member proposerMember, String session, String from, Operation<Value> operation,
                          Answer<Value> answer) {
        if (!session.equals(proposerMember.session)) {
            return;
        }
        Proposer<Value> proposer = proposerMember.proposer(operation.worker());
        Operation<Value> next = proposer.onAnswer(from, operation.id(), answer);
        broadcast(proposerMember, next);
        if (!proposer.isWriting()) {
            Consumer<Accepted<Value>> done = proposerMember.whenWritten.remove(operation.worker());
            if (done != null) {
                done.accept(written(proposer));
            }
        }
    }

    /** Delivers {@code action} at {@code to}, later, or never, or twice, as the network has it. */
    private void deliver(Member from, Member to, Runnable action) {
        deliver(from, to, -1, action);
    }

    private void deliver(Member from, Member to, long held, Runnable action) {
        String toSession = to.session;
        int copies = faults && random.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            if (faults && random.nextDouble() < dropRate) {
                continue;
            }
            long delay = faults && random.nextDouble() < lateRate ? lateMin + random.nextInt(lateSpread) : 1 + random.nextInt(4);
            if (held >= 0) {
                delay = held;
            }
            at(delay, new Runnable() {
              public void run() {
                if (to.frozenUntil > now) {
                    at(to.frozenUntil - now, this);
                    return;
                }
                boolean cut = now < from.isolatedUntil || now < to.isolatedUntil;
                // What a sender sent before it crashed is still on the wire; the receiver must be the
                // process it was sent to.
                if (to.alive && !cut && toSession.equals(to.session)) {
                    action.run();
                }
              }
            });
        }
    }

    /** The next voter change: adds a new member or removes a voter, accepted behind the pull. */
    void startChange() {
        if (change != null) {
            return;
        }
        long version = voters.size();
        Set<String> current = voters.get((int) version - 1);
        TreeSet<String> next = new TreeSet<>(current);
        String added = null;
        if (current.size() <= 2 || current.size() < 5 && random.nextBoolean()) {
            added = "m" + nextMember;
            if (returnRate > 0 && random.nextDouble() < returnRate) {
                List<String> out = members.keySet().stream().filter(id -> !current.contains(id)).sorted().toList();
                if (!out.isEmpty()) {
                    added = out.get(random.nextInt(out.size()));
                }
            }
            next.add(added);
        } else {
            List<String> list = new ArrayList<>(current);
            next.remove(list.get(random.nextInt(list.size())));
        }
        change = new Change(version, Collections.unmodifiableSortedSet(next), added, new TreeSet<>());
        askToAccept();
    }

    private void askToAccept() {
        Change asked = change;
        if (asked == null) {
            return;
        }
        for (String voter : votersOf(asked.version - 1)) {
            Member member = members.get(voter);
            if (!asked.accepted.contains(voter)) {
                deliver(member, member, () -> acceptChange(member, asked));
            }
        }
        at(100, () -> {
            if (change == asked) {
                askToAccept();
            }
        });
    }

    private void acceptChange(Member member, Change asked) {
        member.learn(asked.version - 1);
        if (asked.version >= 2 && pullGate) {
            if (member.gateFor != asked.version) {
                member.gate = new PullGate<>(votersOf(asked.version - 2), asked.version - 1);
                member.gateFor = asked.version;
            }
            if (!member.gate.isOpen()) {
                for (String voter : new TreeSet<>(member.gate.missing())) {
                    pull(member, members.get(voter), asked);
                }
                return;
            }
        }
        member.afterForce(() -> deliver(member, member, () -> changeAccepted(member.id, asked)));
    }

    private void pull(Member puller, Member from, Change asked) {
        String session = puller.session;
        deliver(puller, from, () -> {
            // Learning v + 1 first, as a member that pulls tells the one it pulls from.
            from.learn(asked.version - 1);
            Pull<Value> pull = from.acceptor.pull();
            from.afterForce(() -> deliver(from, puller, () -> {
                if (session.equals(puller.session) && puller.gateFor == asked.version
                        && puller.gate.offer(from.id, pull, puller.acceptor) && puller.gate.isOpen()) {
                    acceptChange(puller, asked);
                }
            }));
        });
    }

    private void changeAccepted(String voter, Change asked) {
        if (change != asked) {
            return;
        }
        asked.accepted.add(voter);
        if (asked.accepted.size() > votersOf(asked.version - 1).size() / 2) {
            voters.add(asked.next);
            change = null;
            if (asked.added != null) {
                Member back = members.get(asked.added);
                if (back == null) {
                    startMember(asked.version);
                } else {
                    // A member coming back with its disk: an intact acceptor.
                    if (!back.alive) {
                        back.stopped = false;
                        back.resume();
                    }
                    if (!returnAtOldVersion) {
                        back.learn(asked.version);
                    }
                }
            }
            for (Member member : members.values()) {
                if (!keepRemoved && !asked.next.contains(member.id) && !member.stopped && votersOf(asked.version - 1).contains(member.id)) {
                    at(random.nextInt(300), () -> stop(member));
                }
            }
            spreadVersions();
        }
    }

    /** Tells members the latest version, as learns and messages carry it; some miss it for a while. */
    void spreadVersions() {
        long latest = voters.size() - 1;
        for (Member member : members.values()) {
            if (random.nextDouble() < 0.7) {
                deliver(member, member, () -> member.learn(latest));
            }
        }
    }

    private void stop(Member member) {
        if (voters.get(voters.size() - 1).contains(member.id) || change != null && change.next().contains(member.id)) {
            return; // came back meanwhile
        }
        member.crash();
        member.stopped = true;
    }

    private String startMember(long version) {
        String id = "m" + nextMember++;
        members.put(id, new Member(id, version));
        return id;
    }

    /** One of the random faults: a crash with a resume later, or a member cut off for a while. */
    void fault() {
        List<Member> running = members.values().stream().filter(m -> m.alive).toList();
        if (running.isEmpty()) {
            return;
        }
        Member member = running.get(random.nextInt(running.size()));
        if (random.nextBoolean()) {
            member.crash();
            at(50 + random.nextInt(500), () -> {
                if (!member.stopped) {
                    member.resume();
                }
            });
        } else {
            member.isolatedUntil = now + 100 + random.nextInt(1500);
        }
    }

    /**
     * Sees every acceptance an acceptor answers (after its force), per worker, index and ballot, with the
     * version it carries; a value is chosen once a majority of some version's voters accepted it under
     * that version, whether or not any session learns it. Flags two values under one ballot and index,
     * two values chosen at one index, a value chosen that is not built on the one chosen before it, and
     * a value a session learned chosen that no quorum accepted. Lists writes chosen at two indexes
     * ({@code doubles}): values that cannot recognise themselves in a newer base are written again.
     */
    final class QuorumAudit {
        final Map<String, Map<Long, Map<Ballot, Value>>> values = new HashMap<>();
        final Map<String, Map<Long, Map<Ballot, Set<String>>>> acks = new HashMap<>();
        final Map<String, TreeMap<Long, Value>> chosen = new HashMap<>();
        final List<String> violations = new ArrayList<>();
        final List<String> doubles = new ArrayList<>();

        void emitted(String acceptor, Operation<Value> op, Answer<Value> answer) {
            if (op.kind() != Operation.Kind.ACCEPT || answer.kind() != Answer.Kind.ACCEPTED) {
                return;
            }
            Value before = values.computeIfAbsent(op.worker(), w -> new HashMap<>())
                    .computeIfAbsent(op.index(), i -> new HashMap<>()).putIfAbsent(op.ballot(), op.value());
            if (before != null && !before.equals(op.value())) {
                violations.add("two values under one ballot " + op.ballot() + " at " + op.worker() + " " + op.index()
                        + ": " + before + " and " + op.value());
            }
            Set<String> set = acks.computeIfAbsent(op.worker(), w -> new HashMap<>())
                    .computeIfAbsent(op.index(), i -> new HashMap<>()).computeIfAbsent(op.ballot(), b -> new TreeSet<>());
            set.add(acceptor + "@" + answer.version());
            Set<String> voters = votersOf(answer.version());
            if (voters == null) {
                return;
            }
            long n = voters.stream().filter(v -> set.contains(v + "@" + answer.version())).count();
            if (n > voters.size() / 2) {
                choose(op.worker(), op.index(), op.value(), "ballot " + op.ballot() + " under version " + answer.version());
            }
        }

        private void choose(String worker, long index, Value value, String how) {
            TreeMap<Long, Value> chain = chosen.computeIfAbsent(worker, w -> new TreeMap<>());
            Value before = chain.putIfAbsent(index, value);
            if (before != null && !before.equals(value)) {
                violations.add("t=" + now + " " + worker + " index " + index + ": " + value + " chosen (" + how + ") where "
                        + before + " was");
                return;
            }
            if (before != null) {
                return;
            }
            Value prev = chain.get(index - 1);
            String base = index == 1 ? "-" : prev == null ? null : prev.id();
            if (base != null && !base.equals(value.base())) {
                violations.add("t=" + now + " " + worker + " index " + index + ": " + value + " chosen, built on "
                        + value.base() + " not " + base);
            }
            for (var e : chain.entrySet()) {
                if (e.getKey() != index && e.getValue().id().equals(value.id())) {
                    doubles.add(worker + " write " + value.id() + " chosen at " + e.getKey() + " and " + index);
                }
            }
        }

        void learned(String session, String worker, Accepted<Value> value) {
            TreeMap<Long, Value> chain = chosen.get(worker);
            Value c = chain == null ? null : chain.get(value.index());
            if (c == null || !c.equals(value.value())) {
                violations.add("t=" + now + " " + session + " learned " + worker + " " + value.index() + " = " + value.value()
                        + " chosen, but a quorum accepted " + c);
            }
        }
    }

    List<Member> running() {
        return members.values().stream().filter(m -> m.alive).toList();
    }
}
