package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.node.fleet.FailoverFigures;
import dev.baton.node.fleet.Fleet;
import dev.baton.node.fleet.LoopbackFirewall;
import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import dev.baton.node.support.Prerequisite;
import dev.baton.node.support.Requires;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A network partition on loopback (iptables DROP): the minority stops, the majority takes over, they merge. */
@Requires(Prerequisite.ROOT_AND_IPTABLES)
@Order(5)
class ClusterPartitionIT {

    private static final Logger log = LoggerFactory.getLogger(ClusterPartitionIT.class);
    private static final Duration LEASE = Duration.ofSeconds(5);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aCutOffNodeStopsClaimingTheMajorityTakesOverAndAfterHealingTheyMergeWithFencesStillIncreasing()
            throws Exception {
        try (LoopbackFirewall firewall = new LoopbackFirewall();
             Fleet fleet = new Fleet(dir, 3, Map.of(
                     "BATON_DRILL_WORKERS", "20",
                     "BATON_DRILL_PERIOD", "1s",
                     "BATON_DRILL_WORK", "0-200ms",
                     "BATON_LEASE", "5s",
                     "BATON_MIN_CLUSTER_SIZE", "2",
                     "BATON_MERGE_DELAY", "5s",
                     "BATON_PASSIVE_USERS_PERIOD", "1m"))) {
            for (int n = 1; n <= 3; n++) {
                fleet.start(n);
            }
            for (int n = 1; n <= 3; n++) {
                fleet.node("n" + n).awaitLog("Baton started on node n" + n, Duration.ofSeconds(60));
            }
            fleet.awaitExecutions(e -> e.stream().map(JournalExecution::node).distinct().count() == 3,
                    Duration.ofSeconds(30), "all three nodes to run workers");
            Instant testStart = fleet.awaitSteady("drill-", 20, Duration.ofSeconds(1), Duration.ofSeconds(60));

            Instant cut = Instant.now();
            firewall.isolate(fleet.address(3), List.of(fleet.address(1), fleet.address(2)));
            Thread.sleep(15_000); // the fault: cut off for longer than heartbeat timeout and lease together
            List<JournalExecution> minorityStarts = fleet.executions().stream()
                    .filter(e -> e.node().equals("n3") && e.start().isAfter(cut.plusSeconds(1))).toList();
            FailoverFigures figures = FailoverFigures.measure(fleet, "n3", cut);
            log.info("partition of n3: {}; n3 started {} executions more than 1 s after the cut", figures,
                    minorityStarts.size());

            Instant healed = Instant.now();
            firewall.heal();
            fleet.recordCut(fleet.node("n3"), cut, healed);
            fleet.awaitExecutions(e -> e.stream().anyMatch(x -> x.node().equals("n3") && x.start().isAfter(healed)),
                    Duration.ofSeconds(60), "n3 to merge back and run workers again");
            Instant back = fleet.executions().stream().filter(x -> x.node().equals("n3") && x.start().isAfter(healed))
                    .map(JournalExecution::start).min(Instant::compareTo).orElseThrow();
            log.info("n3 ran workers again {} ms after the partition healed", Duration.between(healed, back).toMillis());
            // The merge moves partitions and workers back to n3, as a join does: from n3's first run, or Hazelcast's
            // merge of it if that finished later, for a lease (CI-like run CT, one core busy: a slot 3.6 s after
            // the merge coalesced into the next). Every slot of the ten seconds after that is audited.
            Instant merged = fleet.unplannedCuts().stream().filter(c -> c.node().equals("n3")).map(JournalAudit.Fault::to)
                    .filter(t -> t.isAfter(healed)).max(Instant::compareTo).orElse(back);
            Instant settled = (merged.isAfter(back) ? merged : back).plus(LEASE);
            fleet.awaitEveryWorkerPast("drill-", 20, settled.plusSeconds(10), Duration.ofSeconds(30));
            // n3 merged back under a new member UUID: the ops API still names every member's node.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Set<String> named = new TreeSet<>();
                fleet.node("n1").cluster().path("memberList").forEach(m -> named.add(m.path("nodeId").asText("?")));
                assertThat(named).as("the nodes n1 lists on /api/cluster after the merge")
                        .containsExactly("n1", "n2", "n3");
            });

            JournalAudit.Report report = fleet.audit().check("drill-", Duration.ofSeconds(1), testStart,
                    Instant.now().minusSeconds(2), List.of(new JournalAudit.Fault("*", cut,
                            cut.plusSeconds(5).plus(LEASE).plusSeconds(2)),
                            new JournalAudit.Fault("*", back.minusSeconds(1), settled)));
            log.info("Audit: {}", report);

            assertThat(minorityStarts).as("a node without a quorum claims nothing").isEmpty();
            assertThat(figures.notResumed()).isEmpty();
            assertThat(report.violations()).as(fleet::warnings).isEmpty();
            assertThat(report.missed()).isEmpty();
        }
    }
}
