package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Overlapping faults on a fixed membership (no joins or restarts, which have failing tests of
 * their own): partial partitions of single links, splits, freezes, slow and reordering links and
 * 5 % loss, several at once, for 40 s, then quiet. At no instant two valid holders of a worker or
 * two configurations of one version, and grants resume after the faults.
 *
 * <p>{@code -Dbaton.hostile.seeds=N} runs N seeds (default 50; 1500 passed at review).
 */
class HostileSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c", "d");

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.hostile.seeds", 50)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void overlappingFaultsNeverGiveTwoHolders(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        net.dropRate = 0.05;
        net.longDelay = LEASE / 3;
        net.longDelayRate = 0.03;
        int size = 3 + net.random.nextInt(3);
        for (int i = 0; i < size; i++) {
            net.start("n" + i);
            net.run(50);
        }
        net.run(8000);
        LeaseProtocolSimulationTest.Workload load = new LeaseProtocolSimulationTest.Workload(net);
        List<String> violations = new ArrayList<>();
        StringBuilder log = new StringBuilder();
        Map<Long, List<String>> votersByVersion = new HashMap<>();
        int grantsAtQuiet = 0;
        for (int t = 0; t < 60_000; t += 10) {
            if (t < 40_000 && net.random.nextInt(150) == 0) {
                inject(net, t, log);
            }
            if (t == 40_000) {
                net.heal();
                net.nodes.forEach(n -> n.frozen = false);
                net.maxDelay = 20 * MS;
                grantsAtQuiet = load.grants;
            }
            load.step();
            net.run(10);
            for (String w : WORKERS) {
                List<SimulatedNetwork.SimNode> holders = net.holders(w);
                if (holders.size() > 1 && violations.size() < 3) {
                    violations.add("t=" + t + "ms: " + holders + " all hold " + w + " (" + log + ")");
                }
            }
            for (SimulatedNetwork.SimNode n : net.nodes) {
                Voters v = n.voters.current();
                List<String> known = v.isNone() ? null : votersByVersion.putIfAbsent(v.version(), v.ids());
                if (known != null && !known.equals(v.ids()) && violations.size() < 3) {
                    violations.add("t=" + t + "ms: two configurations of version " + v.version());
                }
            }
        }
        assertThat(violations).isEmpty();
        assertThat(load.grants - grantsAtQuiet).as("granted again after the faults (%s)", log).isPositive();
    }

    private static void inject(SimulatedNetwork net, int t, StringBuilder log) {
        int n = net.nodes.size();
        int a = net.random.nextInt(n);
        int b = (a + 1 + net.random.nextInt(n - 1)) % n;
        long length = (200 + net.random.nextInt(5000)) * MS;
        log.append(t).append(':');
        switch (net.random.nextInt(5)) {
            case 0 -> SimulatedFaults.cut(net, a, b, length, log);
            case 1 -> SimulatedFaults.split(net, length, log);
            case 2 -> SimulatedFaults.freeze(net, net.nodes.get(a), a, length, log);
            case 3 -> SimulatedFaults.slow(net, a, b, LEASE / 4, length, log);
            default -> SimulatedFaults.heal(net, log);
        }
        log.append("; ");
    }
}
