package dev.baton.node.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import dev.baton.node.support.Locks;
import dev.baton.node.support.Prerequisite;
import dev.baton.node.support.Requires;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node image in containers, as it runs on Kubernetes: three replicas find each other through
 * one DNS name; they are killed, paused, cut off the network and scaled out, and every journal is
 * audited.
 */
@Requires(Prerequisite.DOCKER)
@ResourceLock(Locks.DOCKER)
@Order(3)
class ContainerFaultsIT {

    private static final Logger log = LoggerFactory.getLogger(ContainerFaultsIT.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Joins and merges move partitions and workers. The nodes' views of who prefers which worker
     * converge within a few renewals, and each node counts its balance as settling for two expiries
     * after its view changed ({@code HzCoordination.balanceSettling}): a standby then runs a slot only
     * after its look grace, which grows with the machine's lateness, so on these two cores under a
     * busy neighbour a one-second slot can pass unrun (README, failure model: joins and merges). Seen:
     * a worker handed c1 to c2 and back while c3 merged, its slot 8 s after the merge unrun.
     */
    private static final Duration BALANCE_SETTLES = LEASE.plus(LEASE.dividedBy(10)).multipliedBy(2);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ContainerFleet fleet;
    private Instant testStart;

    @BeforeEach
    void startThreeReplicas() throws Exception {
        fleet = new ContainerFleet(dir, Map.of(
                "BATON_CLUSTER_NAME", "containers-" + System.nanoTime(),
                "BATON_MIN_CLUSTER_SIZE", "2",
                "BATON_DRILL_WORKERS", "20",
                "BATON_DRILL_WORK", "0-200ms",
                "BATON_LEASE", "5s",
                "BATON_MERGE_DELAY", "5s",
                "BATON_PASSIVE_USERS_PERIOD", "1m"));
        for (String id : List.of("c1", "c2", "c3")) {
            fleet.start(id);
        }
        fleet.awaitExecutions(e -> e.stream().map(JournalExecution::node).distinct().count() == 3,
                Duration.ofSeconds(60), "the three replicas to form one cluster and share the drills");
        fleet.awaitReady(Duration.ofSeconds(60));
        testStart = Instant.now();
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    private JournalAudit.Report audit(List<JournalAudit.Fault> gaps) {
        JournalAudit.Report report = fleet.audit().check("drill-", PERIOD, testStart, Instant.now().minusSeconds(2),
                gaps);
        log.info("Audit: {}", report);
        return report;
    }

    private Set<String> nodesRunningDrillsSince(Instant since) {
        return fleet.executions().stream().filter(e -> e.worker().startsWith("drill-") && e.start().isAfter(since))
                .map(JournalExecution::node).collect(Collectors.toSet());
    }

    @Test
    void dockerKillOfAHolderMovesItsWorkersAndTwoMoreReplicasTakeTheirShare() throws Exception {
        Instant kill = fleet.kill("c2");
        fleet.awaitExecutions(e -> e.stream().filter(x -> x.start().isAfter(kill.plus(LEASE).plusSeconds(2)))
                .count() >= 40, Duration.ofSeconds(30), "the two survivors to run every worker");
        assertThat(nodesRunningDrillsSince(kill.plus(LEASE).plusSeconds(1))).containsExactlyInAnyOrder("c1", "c3");

        Instant scaling = Instant.now();
        fleet.start("c4");
        fleet.start("c5");
        Instant scaled = Instant.now();
        fleet.awaitExecutions(e -> nodesRunningDrillsSince(scaled).containsAll(List.of("c1", "c3", "c4", "c5")),
                Duration.ofSeconds(60), "the workers to spread over four replicas");
        Instant spread = fleet.awaitOneCluster(4, Duration.ofSeconds(60));
        fleet.awaitEveryWorkerPast(20, spread.plus(BALANCE_SETTLES).plusSeconds(2), Duration.ofSeconds(30));

        // The scale-out is excused for missed slots while the balance settles, never for a duplicate
        // or an overlap.
        // The kill: once under a busy neighbour every replica paused for 5 s right after it (not
        // diagnosed; the process test ClusterFaultsIT holds the fail-over figure), so the excuse runs
        // to a lease plus 4 s.
        JournalAudit.Report report = audit(List.of(new JournalAudit.Fault("*", kill.minus(PERIOD),
                kill.plus(LEASE).plusSeconds(4)), new JournalAudit.Fault("*", scaling, spread.plus(BALANCE_SETTLES))));
        assertThat(report.violations()).isEmpty();
        assertThat(report.missed()).isEmpty();
    }

    @Test
    void dockerPauseOfAHolderPastTheHeartbeatTimeoutNeverLetsTwoRunsOverlap() throws Exception {
        Instant paused = fleet.pause("c2");
        Thread.sleep(HEARTBEAT_TIMEOUT.plusSeconds(3).toMillis());
        Instant unpaused = fleet.unpause("c2", paused);
        Instant merged = fleet.awaitOneCluster(3, Duration.ofSeconds(60));
        fleet.awaitEveryWorkerPast(20, merged.plus(BALANCE_SETTLES).plusSeconds(2), Duration.ofSeconds(30));

        assertThat(nodesRunningDrillsSince(paused.plusSeconds(2))).contains("c1", "c3");
        // The woken node merges back (partitions and workers move, as on a join): excused too.
        JournalAudit.Report report = audit(List.of(new JournalAudit.Fault("*", paused.minus(PERIOD),
                paused.plus(HEARTBEAT_TIMEOUT).plus(LEASE).plusSeconds(2)),
                new JournalAudit.Fault("*", unpaused, merged.plus(BALANCE_SETTLES))));
        assertThat(report.violations()).isEmpty();
        assertThat(report.missed()).as("slots missed outside the freeze (paused %s, unpaused %s, merged %s)", paused,
                unpaused, merged).isEmpty();
    }

    @Test
    void aNodeCutOffTheNetworkStopsClaimingAndAfterReconnectingTheClusterMerges() throws Exception {
        Instant cut = fleet.disconnect("c3");
        Thread.sleep(15_000);
        List<JournalExecution> minority = fleet.executions().stream()
                .filter(e -> e.node().equals("c3") && e.start().isAfter(cut.plusSeconds(1))).toList();
        Instant reconnected = fleet.reconnect("c3", cut);
        fleet.awaitExecutions(e -> e.stream().anyMatch(x -> x.node().equals("c3") && x.start().isAfter(reconnected)),
                Duration.ofSeconds(60), "c3 to merge back and run workers again");
        Instant merged = fleet.awaitOneCluster(3, Duration.ofSeconds(60));
        fleet.awaitEveryWorkerPast(20, merged.plus(BALANCE_SETTLES).plusSeconds(2), Duration.ofSeconds(30));

        assertThat(minority).as("a node cut off from the majority claims nothing").isEmpty();
        JournalAudit.Report report = audit(List.of(new JournalAudit.Fault("*", cut.minus(PERIOD),
                cut.plus(HEARTBEAT_TIMEOUT).plus(LEASE).plusSeconds(2)),
                new JournalAudit.Fault("*", reconnected, merged.plus(BALANCE_SETTLES))));
        assertThat(report.violations()).as("fences keep increasing across the merge").isEmpty();
        assertThat(report.missed()).isEmpty();
    }
}
