package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.fleet.FailoverFigures;
import dev.baton.node.fleet.Fleet;
import dev.baton.node.fleet.NodeProcess;
import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real node processes on loopback addresses with 20 drill workers at 1 s, hit with real faults; every
 * journal is audited afterwards. Figures are printed; the bounds asserted are loose on purpose
 * (this is a test of the guarantees, the benchmark measures the times).
 */
@Order(2)
class ClusterFaultsIT {

    private static final Logger log = LoggerFactory.getLogger(ClusterFaultsIT.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);
    private static final int WORKERS = 20;
    private static final String DRILL = "drill-";
    /**
     * A node frozen past its lease may run a few instructions after it wakes before it notices:
     * an execution it ran may overlap another node's by this much, never more (README, failure model).
     */
    private static final Duration WAKE_OVERLAP_ALLOWED = Duration.ofMillis(500);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private Fleet fleet;
    private Instant testStart;

    @BeforeEach
    void startFleet() throws Exception {
        fleet = new Fleet(dir, 4, Map.of(
                "BATON_DRILL_WORKERS", Integer.toString(WORKERS),
                "BATON_DRILL_PERIOD", "1s",
                // At least 100 ms, so that an execution seen starting still runs when the test strikes.
                "BATON_DRILL_WORK", "100-200ms",
                "BATON_LEASE", "5s",
                "BATON_MIN_CLUSTER_SIZE", "2",
                "BATON_PASSIVE_USERS_PERIOD", "1m"));
        for (int n = 1; n <= 3; n++) {
            fleet.start(n);
        }
        for (int n = 1; n <= 3; n++) {
            fleet.node("n" + n).awaitLog("Baton started on node n" + n, Duration.ofSeconds(60));
        }
        fleet.awaitExecutions(e -> e.stream().map(JournalExecution::node).distinct().count() == 3,
                Duration.ofSeconds(30), "all three nodes to run workers");
        // Settled, not only steady: on CI a kill 5 s and a stop 4 s after the founding, while the nodes
        // still settled the balance, took over late (2.1 s; a slot of five workers missed), not seen later.
        testStart = fleet.awaitSteady(DRILL, WORKERS, PERIOD, Duration.ofSeconds(60),
                (int) LEASE.multipliedBy(2).dividedBy(PERIOD) + 1);
    }

    @AfterEach
    void stopFleet() {
        fleet.close();
        log.info("Journals and logs of this test: {} (kept if it failed)", dir);
    }

    /**
     * Waits until every worker ran a slot at or after {@code until}, then audits the journals up to
     * two seconds ago (the executions started since may still run).
     */
    private JournalAudit.Report auditAfter(Instant until, List<JournalAudit.Fault> gaps) throws InterruptedException {
        fleet.awaitEveryWorkerPast(DRILL, WORKERS, until, Duration.ofSeconds(30));
        JournalAudit.Report report = fleet.audit().check(DRILL, PERIOD, testStart, Instant.now().minusSeconds(2),
                gaps);
        log.info("Audit: {}", report);
        return report;
    }

    private NodeProcess nodeRunningADrill() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            // Only one that started just now: under load the journals are read late, and an execution seen
            // running a while ago may be over by the time the fault strikes.
            Instant recent = Instant.now().minusMillis(40);
            Optional<JournalExecution> running = fleet.executions().stream()
                    .filter(e -> e.end().isEmpty() && e.worker().startsWith(DRILL) && !e.node().equals("n1")
                            && e.start().isAfter(recent))
                    .findFirst();
            if (running.isPresent()) {
                return fleet.node(running.get().node());
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no drill execution caught running on n2 or n3");
    }

    @Test
    void killingAHolderBetweenExecutionsMovesItsWorkersAtOnce() throws Exception {
        NodeProcess victim = fleet.node("n2");
        awaitNothingRunningOn(victim);
        Instant kill = victim.kill();
        fleet.recordKill(victim, kill);

        JournalAudit.Report report = auditAfter(kill.plusSeconds(6),
                List.of(new JournalAudit.Fault("*", kill, kill.plusSeconds(2))));
        FailoverFigures figures = FailoverFigures.measure(fleet, victim.id(), kill);
        log.info("kill -9 of {} between executions: {}", victim.id(), figures);

        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).isEmpty();
        assertThat(figures.notResumed()).isEmpty();
        assertThat(figures.running()).as("nothing was running at the kill").isEmpty();
        assertThat(figures.maxIdle().orElseThrow()).as("nobody waits for a lease").isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void killingAHolderDuringAnExecutionReRunsTheSlotElsewhereAfterTheLease() throws Exception {
        NodeProcess victim = nodeRunningADrill();
        Instant kill = victim.kill();
        fleet.recordKill(victim, kill);

        // A slot that the victim was claiming when it died is lost with it, like the slots until the lease ends.
        JournalAudit.Report report = auditAfter(kill.plus(LEASE).plusSeconds(6),
                List.of(new JournalAudit.Fault("*", kill.minus(PERIOD), kill.plus(LEASE).plusSeconds(2))));
        FailoverFigures figures = FailoverFigures.measure(fleet, victim.id(), kill);
        log.info("kill -9 of {} during executions: {}", victim.id(), figures);

        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).isEmpty();
        assertThat(figures.notResumed()).isEmpty();
        assertThat(figures.running()).as("the execution cut short by the kill").isNotEmpty();
        assertThat(cutShortNotRunAgain(victim, kill)).as("slots the kill cut short that never ran again").isEmpty();
        // Lease plus margin, the next slot, and at most one standby's give-up (lease / 5) in between:
        // 6.96 s seen under a busy neighbour; a split vote that waits half a lease takes 8 s and more.
        assertThat(figures.maxRunning().orElseThrow()).isLessThan(LEASE.plusMillis(2_500));
        assertThat(figures.maxIdle().orElse(Duration.ZERO)).isLessThan(LEASE.plusMillis(2_500));
    }

    /**
     * The drill slots whose scheduled execution the kill cut short (started, no end line: the end is
     * journaled before it is recorded, so the cluster never heard of it) and that no other node ran
     * again as a RERUN. The audit alone excuses every slot around the kill, so it would not see one
     * left behind. (A cut-short re-run is re-run at best effort, README: not checked.)
     */
    private List<String> cutShortNotRunAgain(NodeProcess victim, Instant kill) {
        List<JournalExecution> all = fleet.executions();
        List<JournalExecution> cut = all.stream()
                .filter(e -> e.node().equals(victim.id()) && e.worker().startsWith("drill-")
                        && !e.kind().equals("RERUN") && e.start().isBefore(kill) && e.end().isEmpty())
                .toList();
        log.info("{} executions cut short by the kill", cut.size());
        return cut.stream()
                .filter(c -> all.stream().noneMatch(r -> r.worker().equals(c.worker()) && r.slot().equals(c.slot())
                        && !r.node().equals(victim.id()) && r.kind().equals("RERUN")))
                .map(c -> c.worker() + "@" + c.slot())
                .toList();
    }

    /** Waits for a moment, well into a slot, when the victim runs no drill: its workers are all between executions. */
    private void awaitNothingRunningOn(NodeProcess victim) throws InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            sleepUntilMillisIntoSecond(500);
            boolean running = fleet.executions().stream()
                    .anyMatch(e -> e.node().equals(victim.id()) && (e.end().isEmpty() || !e.recorded()));
            if (!running) {
                return;
            }
        }
        throw new AssertionError(victim.id() + " never stood idle between its executions");
    }

    private static void sleepUntilMillisIntoSecond(int millis) throws InterruptedException {
        long now = System.currentTimeMillis();
        long target = (now / 1000) * 1000 + millis;
        if (target <= now + 50) {
            target += 1000;
        }
        Thread.sleep(target - now);
    }

    @Test
    void aFrozenHolderIsReplacedAndStopsWhenItWakesWithoutOverlapping() throws Exception {
        NodeProcess victim = nodeRunningADrill();
        Instant frozen = victim.freeze();
        Thread.sleep(HEARTBEAT_TIMEOUT.plusSeconds(3).toMillis()); // the fault: frozen past the heartbeat timeout
        Instant thawed = victim.thaw();
        fleet.recordFreeze(victim, frozen, thawed);

        Instant until = thawed.plusSeconds(8);
        fleet.awaitEveryWorkerPast(DRILL, WORKERS, until, Duration.ofSeconds(30));
        // As for a kill, the slot the victim was claiming when it froze is lost with it (run G: seven
        // workers' slots, claimed by nobody before the others saw the victim stale, a slot later).
        List<JournalAudit.Fault> gaps = new ArrayList<>(List.of(new JournalAudit.Fault("*", frozen.minus(PERIOD),
                frozen.plus(HEARTBEAT_TIMEOUT).plus(LEASE).plusSeconds(2))));
        // The woken node is a cluster of its own until it merges back (BATON_MERGE_DELAY), which
        // may happen in this span: partitions and workers then move to it as on a join (README,
        // failure model), and that moment is excused as in ClusterPartitionIT.
        fleet.executions().stream().filter(e -> e.node().equals(victim.id()) && e.start().isAfter(thawed))
                .map(JournalExecution::start).min(Instant::compareTo)
                .ifPresent(back -> gaps.add(new JournalAudit.Fault("*", back.minusSeconds(1), back.plusSeconds(2))));
        JournalAudit.Report report = auditAfter(until, gaps);
        FailoverFigures figures = FailoverFigures.measure(fleet, victim.id(), frozen);
        log.info("SIGSTOP of {} for {}: {}", victim.id(), Duration.between(frozen, thawed), figures);

        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).isEmpty();
        assertThat(report.afterWake()).as("each execution frozen with the victim stops within a moment of waking")
                .allSatisfy(w -> {
                    assertThat(w.ranOn()).isLessThan(PERIOD);
                    assertThat(w.overlap()).isLessThanOrEqualTo(WAKE_OVERLAP_ALLOWED);
                });
        assertThat(figures.notResumed()).isEmpty();
        assertThat(figures.maxRunning().or(figures::maxIdle).orElseThrow())
                .isLessThan(HEARTBEAT_TIMEOUT.plus(LEASE).plusSeconds(2));
        assertThat(victim.isAlive()).isTrue();
    }

    @Test
    void aGracefulStopHandsTheWorkersOverOnTime() throws Exception {
        NodeProcess leaving = fleet.node("n2");
        Instant stop = leaving.stop();
        Instant exited = Instant.now();
        // Once Baton has handed over and stopped, Hazelcast's own graceful shutdown migrates the
        // leaving member's partitions; a claim waits for a migration then (README, failure model),
        // seen: 2.4 s under a busy neighbour. The hand-over itself, before it, is not excused.
        Instant batonStopped = leaving.batonStopped();
        List<JournalAudit.Fault> migration = List.of(new JournalAudit.Fault("*", batonStopped, exited.plusSeconds(1)));

        JournalAudit.Report report = auditAfter(stop.plusSeconds(6), migration);
        List<JournalExecution> after = fleet.executions().stream()
                .filter(e -> e.worker().startsWith(DRILL) && e.slot().isAfter(stop.plusSeconds(1))
                        && (e.slot().isBefore(batonStopped) || e.slot().isAfter(exited.plusSeconds(1)))).toList();
        Duration worst = after.stream().map(e -> Duration.between(e.slot(), e.start())).max(Duration::compareTo)
                .orElseThrow();
        log.info("graceful stop of n2: worst start lateness afterwards {} ms over {} executions", worst.toMillis(),
                after.size());

        assertThat(leaving.logText()).contains("Node stopped");
        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).as("no slot missed: nobody waited for a timeout").isEmpty();
        assertThat(after).noneMatch(e -> e.node().equals("n2"));
        assertThat(worst).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aJoiningNodeTakesItsShareBetweenExecutions() throws Exception {
        Instant starting = Instant.now();
        NodeProcess joining = fleet.start(4);
        joining.awaitLog("Baton started on node n4", Duration.ofSeconds(60));
        Instant joined = Instant.now();
        fleet.awaitExecutions(e -> e.stream().filter(x -> x.node().equals("n4") && x.worker().startsWith("drill-"))
                .map(JournalExecution::worker).distinct().count() >= 2, Duration.ofSeconds(20),
                "n4 to run some drill workers");
        Instant running = Instant.now();
        log.info("n4 ran its first workers {} ms after its manager started", Duration.between(joined, running).toMillis());

        // While the newcomer takes its partitions, a claim may wait for a migration on these two
        // cores (seen: 3 s once in five runs): a slot may start late or be skipped then, never twice.
        JournalAudit.Report report = auditAfter(running.plusSeconds(6),
                List.of(new JournalAudit.Fault("*", starting, joined.plusSeconds(4))));
        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).isEmpty();
    }

    @Test
    void aWholeClusterRestartKeepsFencesIncreasing() throws Exception {
        Instant down = Instant.now();
        for (NodeProcess node : fleet.nodes()) {
            fleet.recordKill(node, node.kill());
        }
        // The nodes die one after another: one still alive may start a slot after `down` (seen under load).
        Instant allDead = Instant.now();
        long fenceBefore = fleet.executions().stream().mapToLong(JournalExecution::fence).max().orElseThrow();
        for (int n = 1; n <= 3; n++) {
            fleet.start(n);
        }
        fleet.awaitExecutions(e -> e.stream().filter(x -> x.start().isAfter(allDead)).count() >= 60,
                Duration.ofSeconds(60), "the restarted cluster to run workers");
        Instant up = fleet.executions().stream().filter(x -> x.start().isAfter(allDead))
                .map(JournalExecution::start).min(Instant::compareTo).orElseThrow();

        // A restarting cluster claims nothing until a quorum of nodes is back: the slots until then are not owed.
        JournalAudit.Report report = auditAfter(up.plusSeconds(6),
                List.of(new JournalAudit.Fault("*", down, up.plusSeconds(3))));
        assertThat(fleet.executions().stream().filter(x -> x.start().isAfter(allDead)))
                .allSatisfy(x -> assertThat(x.fence()).isGreaterThan(fenceBefore));
        assertThat(report.violations()).as(fleet::warnings).isEmpty();
        assertThat(report.missed()).isEmpty();
    }
}
