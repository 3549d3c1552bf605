package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Members with real session tables and sessions, talking through a simulated network with
 * delays, drops, partitions and frozen members, on one manual clock. Deterministic per seed.
 */
final class SimulatedNetwork {

    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    final AtomicLong clock = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    final Random random;
    final List<SimMember> members = new ArrayList<>();
    final long leaseNanos;
    final long marginNanos;
    private final PriorityQueue<Delivery> inFlight = new PriorityQueue<>();
    private long sequence;
    double dropRate;
    long maxDelay = 20 * MS;

    private record Delivery(long at, long seq, Runnable action) implements Comparable<Delivery> {
        @Override
        public int compareTo(Delivery o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** One member: its table, its current session, and the faults it suffers. */
    final class SimMember {
        final int index;
        final UUID uuid = new UUID(0, 100 + members.size());
        final Member member;
        final SessionTable table;
        LocalSession session;
        long diedAt = -1;
        int generation;
        boolean frozen;
        final Set<Integer> cutFrom = new HashSet<>();
        final List<String> orphaned = new ArrayList<>();

        SimMember(int index, int minClusterSize) {
            this.index = index;
            this.member = (Member) Proxy.newProxyInstance(Member.class.getClassLoader(), new Class<?>[] {Member.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "getUuid" -> uuid;
                        case "toString" -> "member-" + index;
                        case "hashCode" -> index;
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            this.table = new SessionTable(leaseNanos + marginNanos, leaseNanos * 3 / 10, clock::get,
                    this::others);
            this.table.listener(new SessionTable.Listener() {
                @Override
                public void triggered(String worker) {
                }

                @Override
                public void pauseChanged(String worker, boolean paused) {
                }

                @Override
                public void orphaned(String worker) {
                    SimMember.this.orphaned.add(worker);
                }

                @Override
                public void rebalanced() {
                }
            });
            this.session = newSession(minClusterSize);
        }

        LocalSession newSession(int minClusterSize) {
            return new LocalSession("s" + index + "." + (generation++), "n" + index, uuid::toString, Set.of(), table,
                    clock::get, leaseNanos, minClusterSize, () -> { }, new java.util.concurrent.atomic.LongAdder());
        }

        Set<String> others() {
            Set<String> uuids = new HashSet<>();
            members.stream().filter(m -> m != this).forEach(m -> uuids.add(m.uuid.toString()));
            return uuids;
        }

        /** One step of this member's session loop, as {@code SessionLoop} and {@code HzCoordination.maintain} do. */
        void step(boolean heartbeat, int minClusterSize) {
            if (frozen) {
                return;
            }
            long now = clock.get();
            if (session.checkValidity(now)) {
                diedAt = now;
            }
            if (session.isDead() && now - diedAt > leaseNanos + marginNanos) {
                LocalSession old = session;
                session = newSession(minClusterSize);
                table.forget(old.id);
            }
            table.sweep();
            Set<Member> view = new LinkedHashSet<>();
            members.forEach(m -> view.add(m.member));
            for (LocalSession.Outgoing o : session.round(view, now, heartbeat)) {
                SimMember to = members.stream().filter(m -> m.member == o.member()).findFirst().orElseThrow();
                send(this, to, o);
            }
        }
    }

    SimulatedNetwork(long seed, int size, long leaseNanos, long marginNanos, int minClusterSize) {
        this.random = new Random(seed);
        this.leaseNanos = leaseNanos;
        this.marginNanos = marginNanos;
        for (int i = 0; i < size; i++) {
            members.add(new SimMember(i, minClusterSize));
        }
    }

    private void send(SimMember from, SimMember to, LocalSession.Outgoing o) {
        LocalSession sender = from.session;
        String toUuid = to.uuid.toString();
        if (lost(from, to)) {
            later(leaseNanos + MS, () -> sender.onFailure(toUuid, o.sentNanos()));
            return;
        }
        later(delay(), () -> deliver(from, to, sender, toUuid, o));
    }

    private void deliver(SimMember from, SimMember to, LocalSession sender, String toUuid, LocalSession.Outgoing o) {
        if (to.frozen) {
            later(10 * MS, () -> deliver(from, to, sender, toUuid, o));
            return;
        }
        SessionReply reply = to.table.receive(o.message());
        if (lost(to, from)) {
            later(leaseNanos + MS, () -> sender.onFailure(toUuid, o.sentNanos()));
            return;
        }
        later(delay(), () -> replyArrives(from, sender, toUuid, o, reply));
    }

    private void replyArrives(SimMember from, LocalSession sender, String toUuid, LocalSession.Outgoing o,
                              SessionReply reply) {
        if (from.frozen) {
            later(10 * MS, () -> replyArrives(from, sender, toUuid, o, reply));
            return;
        }
        sender.onReply(toUuid, o.message(), o.sentNanos(), reply);
    }

    private boolean lost(SimMember a, SimMember b) {
        return a.cutFrom.contains(b.index) || b.cutFrom.contains(a.index) || random.nextDouble() < dropRate;
    }

    private long delay() {
        return (long) (random.nextDouble() * maxDelay);
    }

    void later(long after, Runnable action) {
        inFlight.add(new Delivery(clock.get() + after, sequence++, action));
    }

    /** Moves time by {@code step}, delivering everything due on the way. */
    void advance(long step) {
        long target = clock.get() + step;
        while (!inFlight.isEmpty() && inFlight.peek().at() <= target) {
            Delivery d = inFlight.poll();
            clock.set(Math.max(clock.get(), d.at()));
            d.action().run();
        }
        clock.set(target);
    }

    void isolate(int index) {
        members.forEach(m -> {
            if (m.index != index) {
                m.cutFrom.add(index);
                members.get(index).cutFrom.add(m.index);
            }
        });
    }

    void heal() {
        members.forEach(m -> m.cutFrom.clear());
    }
}
