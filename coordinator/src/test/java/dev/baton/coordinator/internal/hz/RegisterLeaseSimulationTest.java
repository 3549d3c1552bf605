package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.RegisterState;
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
 * Worker registers written through the lease protocol's messages (step 1 of
 * docs/records-in-the-lock-tables.md), in the hostile simulated cluster of
 * {@link LeaseProtocolSimulationTest}: each holder of a worker's lock writes the worker's register
 * again and again (a value built on the last one chosen), while nodes are isolated, split, frozen,
 * crashed and restarted with their disks (the pending part of a register log lost), messages are
 * dropped and some arrive later than a lease. The voters stay the three nodes (changing them needs the
 * pull, which comes with the voters' changes in step 2). Checked at every step: one value per index
 * of a worker, whoever learned it and whatever a majority of the acceptors accepted; one valid holder
 * of a lock at a time; writes keep being chosen, also after the last fault.
 *
 * <p>{@code -Dbaton.simulation.registerLeaseSeeds=N} runs N seeds (default 40).
 */
class RegisterLeaseSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c");
    private static final int NODES = 3;
    private static final int LAST_FAULT = 30_000;
    private static final int END = 45_000;

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.registerLeaseSeeds", 40)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void oneValuePerIndexAndWritesKeepBeingChosen(long seed) {
        run(seed, false);
    }

    /**
     * Every session writes every worker at once, holder or not, and the acceptors answer them all: the
     * lock keeps writers apart in the product, but the registers must be safe without it (it serves
     * liveness only). Proposers duel, prepares cross accepts, crashes take back what was not forced.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void oneValuePerIndexWhenEverySessionWritesAtOnce(long seed) {
        run(seed, true);
    }

    private static void run(long seed, boolean everyone) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        net.registersOn = true;
        net.registersAnswerEveryone = everyone;
        net.dropRate = 0.03;
        net.longDelay = LEASE + MARGIN;
        net.longDelayRate = 0.003;
        // The voters stay the three nodes: a crashed one comes back long before anyone would remove it.
        net.removalDelay = 3_600_000 * MS;
        net.voters(NODES);
        LeaseProtocolSimulationTest.Workload locks = new LeaseProtocolSimulationTest.Workload(net);
        Writes writes = new Writes(net, everyone);
        StringBuilder faults = new StringBuilder();
        List<String> violations = new ArrayList<>();
        long quietUntil = 3000;
        int writtenAtLastFault = 0;
        for (int t = 0; t < END; t += 10) {
            if (t >= quietUntil && t <= LAST_FAULT && net.random.nextInt(300) == 0) {
                quietUntil = t + inject(net, faults, t) + 6000;
            }
            if (t == LAST_FAULT + 8000) {
                writtenAtLastFault = writes.written;
            }
            locks.step();
            writes.step(violations);
            net.run(10);
            for (String w : WORKERS) {
                if (net.holders(w).size() > 1) {
                    violations.add("t=" + t + "ms: " + net.holders(w) + " all hold " + w);
                }
                writes.auditAcceptors(w, t, violations);
            }
        }

        assertThat(violations).as("faults: %s", faults).isEmpty();
        // About 450 to 900 writes a seed: each holder writes again as soon as its last write is chosen.
        assertThat(writes.written).as("register writes chosen (faults: %s)", faults).isGreaterThan(100);
        assertThat(writes.written - writtenAtLastFault).as("writes chosen after the last fault (faults: %s)", faults)
                .isPositive();
        assertThat(net.registerReplies).isPositive();
    }

    /** One fault; returns how long it lasts, in simulated milliseconds. */
    static long inject(SimulatedNetwork net, StringBuilder log, int t) {
        SimulatedNetwork.SimNode victim = net.nodes.get(net.random.nextInt(net.nodes.size()));
        long length = 500 + net.random.nextInt(6000);
        log.append(t).append("ms:");
        switch (net.random.nextInt(5)) {
            case 0 -> {
                log.append("isolate ").append(victim);
                net.nodes.stream().filter(o -> o != victim).forEach(o -> net.cut(victim.index, o.index));
                net.later(length * MS, net::heal);
            }
            case 1 -> {
                List<Integer> a = new ArrayList<>();
                List<Integer> b = new ArrayList<>();
                net.nodes.forEach(n -> (net.random.nextBoolean() ? a : b).add(n.index));
                log.append("split ").append(a).append("|").append(b);
                net.partition(List.of(a, b));
                net.later(length * MS, net::heal);
            }
            case 2 -> {
                log.append("freeze ").append(victim);
                victim.frozen = true;
                net.later(length * MS, () -> victim.frozen = false);
            }
            case 3 -> {
                if (!victim.up) {
                    break;
                }
                log.append("crash+restart ").append(victim);
                net.crash(victim);
                net.restartWhenWhole(victim, victim.nodeId, length * MS, true);
            }
            default -> {
                log.append("slow links");
                long before = net.maxDelay;
                net.maxDelay = LEASE / 3;
                net.later(length * MS, () -> net.maxDelay = before);
            }
        }
        log.append("; ");
        return length;
    }

    /** Each holder writes its workers' registers, one write at a time; what is learned chosen is audited. */
    static final class Writes {
        private final SimulatedNetwork net;
        private final Map<String, CompletableFuture<SlotState>> inFlight = new HashMap<>();
        /** By lineage, worker and index (a value's fence is its index): the claim id of the value learned chosen there. */
        private final Map<String, Long> learned = new HashMap<>();
        /** By worker and index: the value a majority of the acceptors was seen to accept there. */
        private final Map<String, SlotState> accepted = new HashMap<>();
        private final List<String> pendingViolations = new ArrayList<>();
        private final boolean everyone;
        int written;
        /** Told of each value learned chosen (worker, index, claim, learner), to trace a failing seed. */
        java.util.function.Consumer<String> trace = line -> { };

        Writes(SimulatedNetwork net, boolean everyone) {
            this.net = net;
            this.everyone = everyone;
        }

        void step(List<String> violations) {
            violations.addAll(pendingViolations);
            pendingViolations.clear();
            for (SimulatedNetwork.SimNode n : net.nodes) {
                if (!n.healthy()) {
                    continue;
                }
                for (String w : WORKERS) {
                    String key = n.session.id + "/" + w;
                    CompletableFuture<SlotState> f = inFlight.get(key);
                    if ((f == null || f.isDone()) && (n.session.holds(w) || (everyone && net.random.nextInt(20) == 0))) {
                        long claimId = net.random.nextLong();
                        String session = n.session.id;
                        // Registers belong to a lineage: a node that founded a cluster of its own starts at index 1.
                        String lineage = n.voters.current().lineage();
                        CompletableFuture<SlotState> write = n.session.writeRegister(w, base -> next(w, base, claimId,
                                session));
                        inFlight.put(key, write);
                        write.thenAccept(v -> {
                            if (v != null) {
                                trace.accept("learned " + w + "@" + v.fence() + " claim " + v.claimId() + " by " + session);
                                learned(lineage, w, v);
                            }
                        });
                    }
                }
            }
        }

        private static SlotState next(String worker, SlotState base, long claimId, String session) {
            long fence = base == null ? 1 : base.fence() + 1;
            return new SlotState(worker, 0, fence, claimId, null, null, null, 0, 0, SlotState.Flags.NONE, session, 0);
        }

        private void learned(String lineage, String worker, SlotState v) {
            written++;
            Long before = learned.putIfAbsent(lineage + "/" + worker + "@" + v.fence(), v.claimId());
            if (before != null && before != v.claimId()) {
                pendingViolations.add("two values learned chosen for " + worker + " at index " + v.fence() + ": claims "
                        + before + " and " + v.claimId());
            }
        }

        /** Values a majority of the three acceptors holds, at one index and ballot: chosen. One per index. */
        void auditAcceptors(String worker, int t, List<String> violations) {
            Map<String, Integer> counts = new HashMap<>();
            Map<String, SlotState> values = new HashMap<>();
            for (SimulatedNetwork.SimNode n : net.nodes) {
                RegisterState<SlotState> state = n.up ? n.registers.state(worker)
                        : n.registerDisk.restore().getOrDefault(worker, RegisterState.empty());
                if (state.accepted() == null || state.copy()) {
                    continue;
                }
                String at = state.accepted().index() + "/" + state.accepted().ballot();
                counts.merge(at, 1, Integer::sum);
                values.put(at, state.accepted().value());
            }
            counts.forEach((at, count) -> {
                if (count > NODES / 2) {
                    long index = Long.parseLong(at.substring(0, at.indexOf('/')));
                    SlotState value = values.get(at);
                    SlotState before = accepted.putIfAbsent(worker + "@" + index, value);
                    if (before != null && !before.equals(value)) {
                        violations.add("t=" + t + "ms: two values chosen for " + worker + " at index " + index + ": "
                                + before + " and " + value);
                    }
                }
            });
        }
    }
}
