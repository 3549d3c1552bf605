package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each process's monotonic clock has an origin of its own, which may be negative (System.nanoTime's
 * contract): a node whose readings are negative, or far ahead of the others', takes part as any other,
 * its send stamps compared only with its own (the fifteenth review: with stamps compared against 0, a
 * node with negative readings was taken for expired from its first message and never had a quorum).
 */
class ClockOriginsSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c", "d");

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.simulation.originSeeds", 6)).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aNodeWhoseClockReadsNegativeOrFarAheadTakesPartAsAnyOther(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        for (int i = 0; i < 3; i++) {
            net.start("n" + i);
            net.run(50);
        }
        SimulatedNetwork.SimNode odd = net.nodes.get(2);
        net.crash(odd);
        net.run(3000);
        // Odd seeds: readings below zero; even seeds: an hour ahead of the others'.
        odd.nanoOffset = seed % 2 == 1 ? -net.clock.get() - 3_600_000 * MS : 3_600_000 * MS;
        net.restart(odd, "n2");
        net.run(8000);
        LeaseProtocolSimulationTest.Workload load = new LeaseProtocolSimulationTest.Workload(net);
        List<String> violations = new ArrayList<>();
        for (int t = 0; t < 20_000; t += 10) {
            load.step();
            net.run(10);
            for (String w : WORKERS) {
                List<SimulatedNetwork.SimNode> holders = net.holders(w);
                if (holders.size() > 1) {
                    violations.add("t=" + t + "ms: " + holders + " all hold " + w);
                }
            }
        }

        assertThat(violations).isEmpty();
        assertThat(odd.session.isValid()).as("n2, up for 28 s on a healthy network, has a quorum").isTrue();
        assertThat(net.grants(odd, "z", 3000)).as("n2 gets a free worker's lock").isTrue();
    }
}
