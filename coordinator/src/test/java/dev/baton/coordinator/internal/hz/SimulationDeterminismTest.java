package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SimulatedNetwork promises a run that is deterministic per seed, so that a failing seed can be
 * replayed. VotersDriver.backOff and Voters.bootstrap draw from ThreadLocalRandom, outside the
 * seed: a proposal that times out backs off for a different time on every run, and everything
 * after diverges. Seed 691 of LeaseProtocolSimulationTest failed once in a 2000-seed run and then
 * passed on most replays.
 */
class SimulationDeterminismTest {

    private static String run(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed, 2000 * MS, 200 * MS, 1);
        net.dropRate = 0.03;
        net.longDelay = 500 * MS;
        net.longDelayRate = 0.01;
        int size = 3 + net.random.nextInt(3);
        for (int i = 0; i < size; i++) {
            net.start("n" + i);
            net.run(50);
        }
        LeaseProtocolSimulationTest.Workload load = new LeaseProtocolSimulationTest.Workload(net);
        LeaseProtocolSimulationTest.Faults faults = new LeaseProtocolSimulationTest.Faults(net, seed);
        for (int t = 0; t < 30_000; t += 10) {
            faults.maybeInject(t);
            load.step();
            net.run(10);
        }
        return faults.log + " grants=" + load.grants;
    }

    @Test
    void oneSeedGivesOneRun() {
        Set<String> outcomes = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            outcomes.add(run(691));
        }
        assertThat(outcomes).as("distinct runs of seed 691").hasSize(1);
    }
}
