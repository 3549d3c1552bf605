package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SimulatedNetwork.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Review of 0b5b6c5 (an acceptor learns on accepting). Small fleets (two to four voters, where the
 * new rule applies), floor 1 or 2, churn as in ChurnSimulationTest (crashes, restarts with and
 * without state, leaves, joins, splits, cuts, freezes, slow links, late duplicate voters requests).
 * Audited from every acceptor's disk: each configuration any process learns (other than a lineage's
 * first) must have been accepted under one ballot by a majority of the voters of the version before
 * (learned only if chosen); never two configurations of one version; never two holders.
 *
 * <p>{@code -Dbaton.chosen.seeds=N} runs N seeds (default 40).
 */
class ChosenBeforeLearnedSimulationTest {

    private static final long LEASE = 2000 * MS;
    private static final long MARGIN = 200 * MS;
    private static final List<String> WORKERS = List.of("a", "b", "c", "d");
    private static final SimulatedFaults.Churn CHURN = new SimulatedFaults.Churn(6,
            SimulatedNetwork.seatReturnBound(LEASE, MARGIN), LEASE / 3, false);

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, Long.getLong("baton.chosen.seeds", 40)).boxed();
    }

    /** What acceptors kept: decree (lineage/version of the base) -> ballot+value -> voters that accepted it. */
    private final Map<String, Map<String, Set<String>>> accepted = new HashMap<>();
    /** Every configuration seen known, by lineage/version. */
    private final Map<String, Voters> configs = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<SimulatedNetwork.SimNode, VoterState> watched = new HashMap<>();
    private int checked;

    private void audit(SimulatedNetwork net, SimulatedNetwork.SimNode node) {
        node.disk.onSave = saved -> {
            if (saved.acceptedBallot() == null || saved.acceptedValue() == null || saved.current().isNone()) {
                return;
            }
            String decree = saved.current().lineage() + "/" + saved.current().version();
            accepted.computeIfAbsent(decree, k -> new HashMap<>())
                    .computeIfAbsent(saved.acceptedBallot() + "|" + saved.acceptedValue().ids(), k -> new HashSet<>())
                    .add(node.nodeId + "@" + saved.incarnation());
        };
    }

    private void watch(SimulatedNetwork net, SimulatedNetwork.SimNode node, StringBuilder log) {
        if (watched.get(node) == node.voters) {
            return;
        }
        watched.put(node, node.voters);
        String who = node.toString();
        node.voters.onLearn(v -> {
            long t = net.clock.get() / MS;
            Voters known = configs.putIfAbsent(v.lineage() + "/" + v.version(), v);
            if (known != null && !known.ids().equals(v.ids()) && violations.size() < 5) {
                violations.add("t=" + t + " " + who + ": two configurations of " + v.lineage() + " v" + v.version()
                        + ": " + known.ids() + " and " + v.ids() + " (" + log + ")");
            }
            if (v.version() <= 1) {
                return;
            }
            Voters base = configs.get(v.lineage() + "/" + (v.version() - 1));
            if (base == null) {
                return;
            }
            Map<String, Set<String>> votes = accepted.getOrDefault(v.lineage() + "/" + (v.version() - 1), Map.of());
            checked++;
            boolean chosen = votes.entrySet().stream()
                    .filter(e -> e.getKey().endsWith("|" + v.ids()))
                    .anyMatch(e -> e.getValue().stream().filter(base::contains).count() >= base.majority());
            if (!chosen && violations.size() < 5) {
                violations.add("t=" + t + " " + who + " learned " + v + " not chosen by " + base.ids() + ": votes "
                        + votes + " (" + log + ")");
            }
        });
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aLearnedConfigurationWasChosen(long seed) {
        SimulatedNetwork probe = new SimulatedNetwork(seed, LEASE, MARGIN, 1);
        int floor = 1 + probe.random.nextInt(2);
        SimulatedNetwork net = new SimulatedNetwork(seed, LEASE, MARGIN, floor);
        net.dropRate = 0.03;
        net.longDelay = LEASE / 3;
        net.longDelayRate = 0.03;
        if (seed % 2 == 0) {
            net.duplicateRate = 0.3;
            net.duplicateDelay = 8000 * MS;
        }
        StringBuilder log = new StringBuilder("floor " + floor + "; ");
        int size = 2 + net.random.nextInt(3);
        for (int i = 0; i < size; i++) {
            SimulatedNetwork.SimNode n = net.start("n" + i);
            audit(net, n);
            watch(net, n, log);
            net.run(50);
        }
        net.run(5000);
        LeaseProtocolSimulationTest.Workload load = new LeaseProtocolSimulationTest.Workload(net);
        int[] newIds = {100};
        for (int t = 0; t < 60_000; t += 10) {
            if (t < 45_000 && net.random.nextInt(150) == 0) {
                SimulatedFaults.churn(net, CHURN, t, log, newIds);
            }
            if (t == 50_000) {
                net.heal();
                net.nodes.forEach(n -> n.frozen = false);
            }
            for (SimulatedNetwork.SimNode n : net.nodes) {
                if (n.disk.onSave == null) {
                    audit(net, n);
                }
                watch(net, n, log);
            }
            load.step();
            net.run(10);
            for (String w : WORKERS) {
                List<SimulatedNetwork.SimNode> holders = net.holders(w);
                if (holders.size() > 1 && violations.size() < 5) {
                    violations.add("t=" + t + "ms: " + holders + " all hold " + w + " (" + log + ")");
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
