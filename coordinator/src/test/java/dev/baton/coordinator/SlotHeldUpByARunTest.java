package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slot held up by another node's run, with the nodes' roles scripted: the preferred node looks
 * again, weighing how late the slot is each time, with a back-off; the node of the run weighs it
 * too before it takes the slot; a slot passed by a standby that becomes preferred during the run
 * is taken up after it.
 */
class SlotHeldUpByARunTest {

    private static final Schedule EVERY_10S = Schedule.fixedRate(Duration.ofSeconds(10));
    private static final Instant S0 = EVERY_10S.nextAfter(Harness.START).orElseThrow();
    private static final Instant S1 = S0.plusSeconds(10);
    private static final Instant S2 = S0.plusSeconds(20);
    private static final WorkerOptions SKIP = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
    /** A worker name the balance gives to n2 once n2 has joined. */
    private static final String WORKER = Harness.workerPreferredBy("n2", "n1");

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final Recorder recorder = new Recorder();
    private final Gate gate = new Gate();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        gate.open();
        for (int i = managers.size() - 1; i >= 0; i--) {
            managers.get(i).close();
        }
    }

    /** A manager whose scheduled run of S0 waits at {@link #gate}. */
    private BackgroundWorkerManager node(Coordination c, WorkerOptions options) {
        BackgroundWorkerManager m = Baton.manager(c).scheduler(time).listener(recorder).build();
        m.add(new TestWorker(WORKER, EVERY_10S, options, ctx -> {
            if (ctx.runKind() == RunKind.SCHEDULED && ctx.scheduledAt().equals(S0)) {
                gate.pass();
            }
        }));
        m.start();
        managers.add(m);
        return m;
    }

    /** A node whose role for the worker the test sets. */
    private ScriptedCoordination scripted(String id, ClaimRole role) {
        ScriptedCoordination node = new ScriptedCoordination(cluster.node(id));
        node.roles.put(WORKER, role);
        return node;
    }

    /** The views converged on a new preferred node. */
    private static void preferNow(ScriptedCoordination preferred, ScriptedCoordination standby) {
        standby.roles.put(WORKER, ClaimRole.STANDBY);
        preferred.roles.put(WORKER, ClaimRole.PREFERRED);
    }

    private void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
    }

    private static void await(Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(condition);
    }

    private void finishS0() {
        gate.open();
        await(() -> recorder.results.stream().anyMatch(r -> r.slot().equals(S0)));
        time.settle();
    }

    private List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind() + " on " + r.nodeId()
                + " started " + r.startedAt()).toList();
    }

    /**
     * n2 stood by at S1 while the balance settled (so it looked after the grace), and is preferred by
     * then; n1's run of S0 holds the lock until S1 + 5 s. Under SKIP, S1 is skipped and reported, as
     * on one node.
     */
    @Test
    void aPreferredNodeRetryingAStepInPlanWeighsHowLateTheSlotIsUnderSkip() throws Exception {
        ScriptedCoordination n1 = scripted("n1", ClaimRole.PREFERRED);
        ScriptedCoordination n2 = scripted("n2", ClaimRole.STANDBY);
        n2.settling = true;
        node(n1, SKIP);
        node(n2, SKIP);
        advanceTo(S0);
        gate.awaitEntered();
        advanceTo(S1.plusMillis(100));            // n2, standby while settling, looks again after the grace
        n1.roles.put(WORKER, ClaimRole.STANDBY);  // the views converged: n2 is preferred
        n2.roles.put(WORKER, ClaimRole.PREFERRED);
        n2.settling = false;
        advanceTo(S1.plusSeconds(5));
        finishS0();
        advanceTo(S2.plusSeconds(1));

        assertThat(runs()).as("runs: %s", runs()).noneMatch(r -> r.startsWith(S1.toString()));
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first).containsExactly(S1);
    }

    /**
     * The node of the run (n1, now a standby: the preferred n2's claims do not reach the lock, as on
     * the minority side of a split) ends its run of S0 0.9 s after S1: S1 is not yet a misfire. After
     * its look grace it is: under SKIP, n1 does not run it more than a second late.
     */
    @Test
    void theNodeOfTheRunWeighsHowLateTheSlotIsAfterItsLookGraceUnderSkip() throws Exception {
        ScriptedCoordination n1 = scripted("n1", ClaimRole.PREFERRED);
        ScriptedCoordination n2 = scripted("n2", ClaimRole.STANDBY);
        node(n1, SKIP);
        node(n2, SKIP);
        advanceTo(S0);
        gate.awaitEntered();
        preferNow(n2, n1);
        n2.refuseClaims = true;
        advanceTo(S1.plusMillis(900));
        finishS0();
        advanceTo(S2.plusSeconds(1));

        assertThat(recorder.results).as("runs: %s", runs())
                .noneMatch(r -> r.slot().equals(S1)
                        && Duration.between(S1, r.startedAt()).compareTo(Duration.ofSeconds(1)) > 0);
    }

    /**
     * While another node's run holds the lock, the preferred node looks (a claim, and reads of the
     * record when refused) at most once per two seconds once the wait is long (every 250 ms
     * throughout, without the back-off: 120 looks in 30 s).
     */
    @Test
    void thePreferredNodeBacksOffWhileALongRunHoldsTheLock() throws Exception {
        node(cluster.node("n1"), WorkerOptions.defaults());
        advanceTo(S0);
        gate.awaitEntered();
        ScriptedCoordination n2 = new ScriptedCoordination(cluster.node("n2"));
        node(n2, WorkerOptions.defaults());
        advanceTo(S1.plusSeconds(20));
        int readsBefore = n2.reads.get();
        int claimsBefore = n2.claims.get();
        advanceTo(S1.plusSeconds(50));
        int reads = n2.reads.get() - readsBefore;
        int claims = n2.claims.get() - claimsBefore;
        finishS0();
        time.settle();
        advanceTo(S0.plusSeconds(65));

        assertThat(claims).as("n2's looks in 30 s of waiting behind n1's run").isBetween(1, 16);
        assertThat(reads).as("n2's reads of the record meanwhile, three per refused look").isLessThanOrEqualTo(3 * claims);
        // The slots the run overran, S1 up to the one due as it ended, run once, coalesced, on n2.
        assertThat(runs()).as("runs: %s", runs()).hasSize(2).last().asString()
                .startsWith(S0.plusSeconds(60) + " SCHEDULED on n2");
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first).containsExactly(S1);
    }

    /**
     * n1 (preferred) overruns S1; the standby n2 passes S1. While the run goes on, the balance moves
     * the worker to n2 (a third node joined, say): n2's catch-up of S1 meets n1's busy lock and looks
     * again after the run, which matters when n1 closes right after it and cannot take S1 itself.
     */
    @Test
    void aPassedSlotWhoseCatchUpMetTheBusyLockStillRuns() throws Exception {
        ScriptedCoordination n1 = scripted("n1", ClaimRole.PREFERRED);
        ScriptedCoordination n2 = scripted("n2", ClaimRole.STANDBY);
        BackgroundWorkerManager m1 = node(n1, WorkerOptions.defaults());
        node(n2, WorkerOptions.defaults());
        advanceTo(S0);
        gate.awaitEntered();
        advanceTo(S1.plusSeconds(1));             // n2 passed S1 as a standby
        preferNow(n2, n1);
        n1.events.rebalanced();
        n2.events.rebalanced();
        time.settle();
        advanceTo(S1.plusSeconds(3));

        Thread closing = Thread.ofPlatform().name("closing-n1").start(m1::close);
        await(() -> closing.getState() == Thread.State.TIMED_WAITING);
        gate.open();
        closing.join(10_000);
        managers.remove(m1);
        time.settle();
        advanceTo(S2.plusSeconds(1));

        assertThat(runs()).as("runs: %s", runs()).anyMatch(r -> r.startsWith(S1 + " "));
    }

    /**
     * The run that holds the lock belongs to a node that died (kill -9); its record reads as running
     * until a claim takes the run over, as on Hazelcast. The preferred node keeps claiming while it
     * waits, so once the dead node's lease has run out its claim wins and the worker goes on.
     */
    @Test
    void aPreferredNodeHeldUpByARunWhoseNodeDiedRunsTheWorkerAgain() {
        Coordination dead = cluster.node("n1");
        dead.start(dev.baton.coordinator.support.NoEvents.INSTANCE);
        advanceTo(S0.minusSeconds(1));
        dead.claim(dev.baton.worker.spi.ClaimRequest.scheduled(WORKER, S0)).orElseThrow();
        ScriptedCoordination n2 = new ScriptedCoordination(cluster.node("n2"));
        n2.freezeReads(WORKER);
        node(n2, WorkerOptions.defaults().withOnCrash(dev.baton.worker.CrashPolicy.SKIP));

        advanceTo(S0.plusSeconds(30).plus(InMemoryCoordination.DEFAULT_LEASE));

        assertThat(recorder.results).as("runs: %s", runs()).isNotEmpty()
                .allMatch(r -> r.nodeId().equals("n2") && r.kind() == RunKind.SCHEDULED);
    }

    /**
     * The preferred n2 waits behind n1's run of S0 and is then cut off (its claims fail, its reads show
     * the record as it was: a minority whose records map has no split-brain protection). n1, a standby
     * now, runs S1 after its run. Back, n2 coalesces the slots since the last one run, S1, not since
     * the one it first waited for: one misfire, S2 to S3, reported once.
     */
    @Test
    void aSlotRunMeanwhileByTheNodeOfTheRunIsNoMisfireOfThePreferredNode() throws Exception {
        ScriptedCoordination n1 = scripted("n1", ClaimRole.PREFERRED);
        ScriptedCoordination n2 = scripted("n2", ClaimRole.STANDBY);
        node(n1, WorkerOptions.defaults());
        node(n2, WorkerOptions.defaults());
        advanceTo(S0);
        gate.awaitEntered();
        preferNow(n2, n1);
        advanceTo(S1.plusSeconds(1));
        n2.freezeReads(WORKER);
        n2.refuseClaims = true;
        advanceTo(S1.plusSeconds(5));
        finishS0();
        Instant s3 = S0.plusSeconds(30);
        advanceTo(s3.plusSeconds(4));
        n2.thawReads(WORKER);
        n2.refuseClaims = false;
        advanceTo(s3.plusSeconds(9));

        assertThat(recorder.results).as("runs: %s", runs()).extracting(r -> r.slot(), r -> r.nodeId())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(S0, "n1"),
                        org.assertj.core.groups.Tuple.tuple(S1, "n1"), org.assertj.core.groups.Tuple.tuple(s3, "n2"));
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first, Recorder.Misfire::last)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(S2, s3));
    }
}
