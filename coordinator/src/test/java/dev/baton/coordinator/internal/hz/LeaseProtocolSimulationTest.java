package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lease protocol under a hostile simulated cluster: random delays (some longer than the
 * resend interval, so that messages and replies arrive out of order), drops, partitions of any
 * shape, frozen, crashed and restarted nodes, nodes joining, leaving and coming back under a new
 * id, each node with its own view of the member list. At every instant at most one session may
 * consider itself the valid holder of a worker, no two nodes may know different voters under one
 * version, and the workers keep being granted; once the faults are over (members still joining,
 * coming back and being replaced), no lock a quorum confirmed is lost while its holder lives.
 *
 * <p>{@code -Dbaton.simulation.seeds=N} runs N seeds (default 400).
 */
class LeaseProtocolSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c", "d");
    /** The last fault has ended, and a lease and margin passed since: every lock held from then on was confirmed after it. */
    private static final long QUIET_FROM = Faults.LAST_FAULT + Faults.LONGEST + (LEASE + MARGIN) / MS;

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.seeds", 400)).boxed();
    }

    /** {@code -Dbaton.simulation.lateSeeds=N} runs N seeds of the very late messages (default 100). */
    static Stream<Long> lateSeeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.lateSeeds", 100)).boxed();
    }

    /** {@code -Dbaton.simulation.copySeeds=N} runs N seeds of the late copies (default 50). */
    static Stream<Long> copySeeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.copySeeds", 50)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void neverTwoValidHoldersOfAWorkerAndWorkKeepsGettingDone(long seed) {
        run(seed, LEASE / 4, 0.01);
    }

    /**
     * Some messages and replies arrive more than a lease and margin after they were sent (a stalled
     * member's queue, a buffering link): a renewal reaches tables that have expired its session, a
     * snapshot re-creates a session that was replaced, an answer comes back to a session that is dead.
     * They may cost time, never a second holder or a lock a quorum confirmed.
     */
    @ParameterizedTest
    @MethodSource("lateSeeds")
    void messagesLaterThanALeaseAndMarginGiveNoSecondHolder(long seed) {
        run(seed, LEASE + MARGIN, 0.005);
    }

    /**
     * Copies of session messages applied again up to two leases later (Hazelcast retrying an operation
     * whose first execution happened, after a member joined or left): a copy refreshes nothing, so a
     * member may expire a session sooner than if copies counted; never before the holder's lease ends.
     */
    @ParameterizedTest
    @MethodSource("copySeeds")
    void lateCopiesOfSessionMessagesGiveNoSecondHolder(long seed) {
        run(seed, LEASE / 4, 0.01, net -> {
            net.sessionCopyDelay = 2 * (LEASE + MARGIN);
            net.sessionCopyRate = 0.05;
        });
    }

    private static void run(long seed, long longDelay, double longDelayRate) {
        run(seed, longDelay, longDelayRate, net -> { });
    }

    private static void run(long seed, long longDelay, double longDelayRate,
                            java.util.function.Consumer<SimulatedNetwork> setUp) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        setUp.accept(net);
        net.dropRate = 0.03;
        net.longDelay = longDelay;
        net.longDelayRate = longDelayRate;
        int size = 3 + net.random.nextInt(3);
        for (int i = 0; i < size; i++) {
            net.start("n" + i);
            net.run(50);
        }
        Workload load = new Workload(net);
        Faults faults = new Faults(net, seed);
        List<String> violations = new ArrayList<>();
        Map<Long, List<String>> votersByVersion = new HashMap<>();
        int grantsAtLastFault = 0;
        long start = net.clock.get() / MS;
        for (int t = 0; t < 50_000; t += 10) {
            faults.maybeInject(t);
            if (t == 42_000) {
                grantsAtLastFault = load.grants;
            }
            load.step();
            net.run(10);
            for (String w : WORKERS) {
                List<SimulatedNetwork.SimNode> holders = net.holders(w);
                if (holders.size() > 1) {
                    violations.add("t=" + t + "ms: " + holders + " all hold " + w + " (" + faults.log + ")");
                }
            }
            for (SimulatedNetwork.SimNode n : net.nodes) {
                Voters v = n.voters.current();
                if (!v.isNone()) {
                    List<String> known = votersByVersion.putIfAbsent(v.version() * 31 + v.lineage().hashCode(), v.ids());
                    if (known != null && !known.equals(v.ids())) {
                        violations.add("t=" + t + "ms: two configurations of version " + v.version() + ": " + known
                                + " and " + v.ids());
                    }
                }
            }
        }

        assertThat(violations).isEmpty();
        assertThat(load.losses.stream().filter(l -> l.at() >= start + QUIET_FROM).toList())
                .as("confirmed locks lost after the faults, %s ms after the start (faults: %s)", start, faults.log)
                .isEmpty();
        assertThat(load.grants).as("locks were granted again and again (faults: %s)", faults.log)
                .isGreaterThan(20);
        assertThat(load.grants - grantsAtLastFault).as("the cluster recovered after the last fault (faults: %s)",
                faults.log).isPositive();
    }

    /** A confirmed lock that its session lost, and when (simulated milliseconds). */
    record Loss(String lock, long at) {
    }

    /** Each healthy node asks for the workers now and then, holds them a while, gives them back. */
    static final class Workload {
        private final SimulatedNetwork net;
        private final Map<String, CompletableFuture<Boolean>> pending = new HashMap<>();
        private final Map<String, Long> releaseAt = new HashMap<>();
        final List<Loss> losses = new ArrayList<>();
        int grants;

        Workload(SimulatedNetwork net) {
            this.net = net;
        }

        void step() {
            long now = net.clock.get();
            for (SimulatedNetwork.SimNode n : net.nodes) {
                if (!n.healthy()) {
                    continue;
                }
                for (String w : WORKERS) {
                    String key = n.index + "/" + n.session.id + "/" + w;
                    LocalSession s = n.session;
                    if (s.holds(w)) {
                        if (!releaseAt.containsKey(key)) {
                            grants++;
                            releaseAt.put(key, now + (50 + net.random.nextInt(600)) * MS);
                            s.onLost(w, () -> losses.add(new Loss(key, net.clock.get() / MS)));
                        }
                        if (now > releaseAt.get(key)) {
                            s.release(w, false);
                            releaseAt.remove(key);
                            pending.remove(key);
                        }
                    } else if (pending.containsKey(key) && (pending.get(key).isDone() || releaseAt.containsKey(key))) {
                        // Refused, or held and then lost: give it back as the engine does.
                        s.release(w, false);
                        pending.remove(key);
                        releaseAt.remove(key);
                    } else if (pending.containsKey(key) && now - pendingSince.get(key) > LEASE / 2) {
                        s.release(w, false);
                        pending.remove(key);
                    } else if (!pending.containsKey(key) && net.random.nextInt(eager(n.index, w, now) ? 10 : 400) == 0) {
                        pending.put(key, s.acquire(w));
                        pendingSince.put(key, now);
                    }
                }
            }
        }

        private final Map<String, Long> pendingSince = new HashMap<>();

        /** Like Baton's balance: one node is eager for a worker (it changes every few seconds), the others rarely try. */
        private static boolean eager(int node, String worker, long now) {
            return Math.floorMod(worker.hashCode() + now / (5000 * MS), 5) == node;
        }
    }

    /** One fault at a time, of a random kind, with quiet time between. */
    static final class Faults {
        private final SimulatedNetwork net;
        final StringBuilder log = new StringBuilder();
        private long quietUntil = 3000;
        static final long LAST_FAULT = 30_000;
        /** The longest fault, in simulated milliseconds. */
        static final long LONGEST = 6500;
        private int newIds;

        Faults(SimulatedNetwork net, long seed) {
            this.net = net;
            this.newIds = 100;
        }

        void maybeInject(long t) {
            if (t < quietUntil || t > LAST_FAULT || net.random.nextInt(300) != 0) {
                return;
            }
            List<SimulatedNetwork.SimNode> up = net.nodes.stream().filter(n -> n.up).toList();
            SimulatedNetwork.SimNode victim = up.get(net.random.nextInt(up.size()));
            long length = (500 + net.random.nextInt((int) LONGEST - 500)) * MS;
            int kind = net.random.nextInt(8);
            log.append(t).append("ms:");
            switch (kind) {
                case 0 -> {
                    log.append("isolate ").append(victim);
                    for (SimulatedNetwork.SimNode o : net.nodes) {
                        if (o != victim) {
                            net.cut(victim.index, o.index);
                        }
                    }
                    net.later(length, net::heal);
                }
                case 1 -> {
                    List<Integer> a = new ArrayList<>();
                    List<Integer> b = new ArrayList<>();
                    net.nodes.forEach(n -> (net.random.nextBoolean() ? a : b).add(n.index));
                    log.append("split ").append(a).append("|").append(b);
                    net.partition(List.of(a, b));
                    net.later(length, net::heal);
                }
                case 2 -> {
                    log.append("freeze ").append(victim);
                    victim.frozen = true;
                    net.later(length, () -> victim.frozen = false);
                }
                case 3 -> {
                    // A process that comes back without its state is a new voter: the old one must be replaceable.
                    boolean keep = net.random.nextBoolean() || !replaceable(victim);
                    log.append("crash+restart ").append(victim).append(keep ? " with its state" : " without state");
                    net.crash(victim);
                    net.restartWhenWhole(victim, victim.nodeId, length, keep);
                }
                case 4 -> {
                    if (!replaceable(victim)) {
                        log.append("(no replace: too few voters)");
                        break;
                    }
                    String id = "n" + (newIds++);
                    log.append("crash+replace ").append(victim).append(" by ").append(id);
                    net.crash(victim);
                    net.restartWhenWhole(victim, id, length, false);
                }
                case 5 -> {
                    String id = net.random.nextBoolean() ? victim.nodeId : "n" + (newIds++);
                    log.append("leave+rejoin ").append(victim).append(" as ").append(id);
                    net.leave(victim, LEASE * 4);
                    net.later(LEASE * 4, () -> {
                        if (!victim.up) {
                            net.restartWhenWhole(victim, id, length, true);
                        }
                    });
                }
                case 6 -> {
                    if (net.nodes.size() < 7) {
                        String id = "n" + (newIds++);
                        log.append("join ").append(id);
                        net.start(id);
                    }
                }
                default -> {
                    log.append("slow links");
                    long before = net.maxDelay;
                    net.maxDelay = LEASE / 3;
                    net.later(length, () -> net.maxDelay = before);
                }
            }
            log.append("; ");
            quietUntil = t + length / MS + 8000;
        }

        /** A voter lost for good can be removed only by a majority of the others: keep that possible. */
        private boolean replaceable(SimulatedNetwork.SimNode victim) {
            Voters v = victim.voters.current();
            long others = net.nodes.stream().filter(n -> n != victim && n.healthy() && v.contains(n.voters.voterId())).count();
            return v.size() >= 3 && others >= v.majority();
        }
    }
}
