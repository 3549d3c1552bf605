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
                    chosen -> audit.learned(writer, w, chosen)));
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
        if (!member.alive || member.proposer(worker).isWriting()) {
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
        for (Member to : members.values()) {
            deliver(from, to, () -> {
                Answer<Value> answer = operation.applyTo(to.acceptor);
                if (answer != null) {
                    to.afterForce(() -> deliver(to, from, () -> answered(from, session, to.id, operation, answer)));
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
        String toSession = to.session;
        int copies = faults && random.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            if (faults && random.nextDouble() < dropRate) {
                continue;
            }
            long delay = faults && random.nextDouble() < lateRate ? 200 + random.nextInt(1800) : 1 + random.nextInt(4);
            at(delay, () -> {
                boolean cut = now < from.isolatedUntil || now < to.isolatedUntil;
                // What a sender sent before it crashed is still on the wire; the receiver must be the
                // process it was sent to.
                if (to.alive && !cut && toSession.equals(to.session)) {
                    action.run();
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
                startMember(asked.version);
            }
            for (Member member : members.values()) {
                if (!asked.next.contains(member.id) && !member.stopped && votersOf(asked.version - 1).contains(member.id)) {
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

    List<Member> running() {
        return members.values().stream().filter(m -> m.alive).toList();
    }
}
