package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim of slot S2 that re-ran the slot left behind instead, on a node that died then: the
 * record keeps S2 as deferred, so that whoever re-runs the left-behind slot next plans S2 too,
 * however it passed S2 itself (refused, a plain standby); slots of a pause are no such slots.
 * On records kept as Hazelcast keeps them.
 */
class DeferredSlotTest {

    private static final Schedule EVERY_5S = Schedule.fixedRate(Duration.ofSeconds(5));
    private static final Instant S1 = EVERY_5S.nextAfter(Harness.START.plusSeconds(1)).orElseThrow();
    private static final Instant S2 = S1.plusSeconds(5);
    private static final Instant S3 = S1.plusSeconds(10);
    private static final Instant S4 = S1.plusSeconds(15);
    private static final Instant S5 = S1.plusSeconds(20);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final StickyRecords records = new StickyRecords(time.clock());
    private final Recorder recorder = new Recorder();
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    private void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
        time.settle();
    }

    /** Waits in real time for the claim of {@code slot} to be refused (lookAgain sleeps for real between tries). */
    private void awaitClaimLost(Instant slot) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!recorder.claimsLost.contains(slot) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        time.settle();
        assertThat(recorder.claimsLost).as("N's claim of %s was refused", slot).contains(slot);
    }

    private List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind() + "@" + r.startedAt()).toList();
    }

    private ScriptedCoordination start(ClaimRole role) {
        ScriptedCoordination node = new ScriptedCoordination(records.node("n"));
        node.roles.put("w", role);
        manager = Baton.manager(node).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> { }));
        manager.start();
        return node;
    }

    private void assertS2RanOrReported() {
        boolean s2Ran = recorder.results.stream().anyMatch(r -> r.slot().equals(S2) && r.kind() != RunKind.RERUN);
        boolean s2Reported = recorder.misfires.stream()
                .anyMatch(m -> !m.first().isAfter(S2) && !m.last().isBefore(S2));
        assertThat(s2Ran || s2Reported).as("runs %s, misfires %s, claims lost %s", runs(), recorder.misfires,
                recorder.claimsLost).isTrue();
    }

    /**
     * The preferred node D dies running S1; N and P both step in. P's claim of S2 (after the grace)
     * turns into a re-run of S1, so N's claim of S2 is refused (P lives). P dies during its re-run.
     * N's claim of S3 re-runs S1 again; nobody claimed S2, so it runs (coalesced with S3) or is
     * reported, not passed as a slot another node had.
     */
    @Test
    void aSlotAStepInNodeWasRefusedBecauseAnotherClaimTurnedIntoAReRunIsRunLateOrReported() throws InterruptedException {
        s2DeferredByADeadNode();

        advanceTo(S4.plusSeconds(2));
        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
        assertS2RanOrReported();
    }

    /**
     * D dies running S1; N steps in; P's claim of S2 turns into a re-run of S1 (S2 deferred), so
     * N's claim of S2 is refused. P dies. Returns N.
     */
    private ScriptedCoordination s2DeferredByADeadNode() throws InterruptedException {
        ScriptedCoordination n = start(ClaimRole.STEP_IN);
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node d = records.node("d");
        d.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        advanceTo(S1.plusSeconds(2));
        Thread.sleep(300);
        time.settle();
        records.kill(d);

        advanceTo(S2);
        StickyRecords.Node p = records.node("p");
        assertThat(p.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow().kind())
                .isEqualTo(ClaimRequest.Kind.RERUN);
        advanceTo(S2.plusSeconds(2));
        awaitClaimLost(S2);
        assertThat(records.state("w").deferred()).isEqualTo(S2.toEpochMilli());
        records.kill(p);
        return n;
    }

    private void awaitReRunOfS1() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (recorder.results.stream().noneMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        time.settle();
        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
    }

    /** P's death reaches N as Hazelcast reports it, an orphan event: N's re-run request re-runs S1, then S2 runs late. */
    @Test
    void theDeferredSlotIsPlannedAfterTheOrphansReRun() throws InterruptedException {
        ScriptedCoordination n = s2DeferredByADeadNode();
        advanceTo(S2.plusSeconds(3));
        n.events.orphaned("w");
        awaitReRunOfS1();

        advanceTo(S4.plusSeconds(2));
        assertS2RanOrReported();
    }

    /** The same with a trigger on N taking the record over first (it re-runs S1, then runs itself). */
    @Test
    void theDeferredSlotIsPlannedAfterATriggersReRun() throws InterruptedException {
        ScriptedCoordination n = s2DeferredByADeadNode();
        advanceTo(S2.plusSeconds(3));
        n.trigger("w");
        awaitReRunOfS1();

        advanceTo(S4.plusSeconds(2));
        assertS2RanOrReported();
        assertThat(recorder.results).extracting(ExecutionResult::kind).as("runs %s", runs()).contains(RunKind.TRIGGERED);
    }

    /**
     * The same on a standby that looks after the grace while the balance settles (the same path as
     * while its watch looks out, and as after its own overrun): its claim of S2 is refused by P's
     * re-run; it passes S3 as a plain standby; its catch-up of S3 re-runs S1 again (P died).
     */
    @Test
    void aSlotASettlingStandbyWasRefusedBecauseAnotherClaimTurnedIntoAReRunIsRunLateOrReported() throws InterruptedException {
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node d = records.node("d");
        d.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(d);
        // N joins after S1 (or it ran its last slot itself): it passed no slot as a standby yet.
        advanceTo(S1.plusSeconds(2));
        ScriptedCoordination n = start(ClaimRole.STANDBY);
        time.settle();

        n.settling = true;
        advanceTo(S2);
        StickyRecords.Node p = records.node("p");
        assertThat(p.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow().kind())
                .isEqualTo(ClaimRequest.Kind.RERUN);
        advanceTo(S2.plusSeconds(2));
        awaitClaimLost(S2);
        n.settling = false;
        records.kill(p);

        // P's death is noticed a lease later, after S3 (which N passes as a standby).
        advanceTo(S3.plusSeconds(1));
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        time.settle();
        advanceTo(S4.plusSeconds(2));
        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
        assertS2RanOrReported();
    }

    /**
     * A standby that never heard the pause (an event lost, as PlanAfterAReRunTest's second case for
     * a preferred node) passes the pause's slots S2..S4 as a standby. Its catch-up of S5 re-runs S1
     * (D died running it); S2..S4 fell during a pause and are no misfire (README).
     */
    @Test
    void slotsOfAPauseAStandbyNeverHeardOfAreNoMisfireAfterItsReRun() {
        ScriptedCoordination n = start(ClaimRole.STANDBY);
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node d = records.node("d");
        d.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(d);

        advanceTo(S1.plusSeconds(2));
        n.pause("w");
        advanceTo(S4.plusSeconds(2));
        n.resume("w");
        n.events.pauseChanged("w", false);
        time.settle();
        // D's death is noticed after S5, which N passes too: it catches S5 up.
        advanceTo(S5.plusSeconds(1));
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        time.settle();
        advanceTo(S5.plusSeconds(12));

        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
        assertThat(recorder.misfires).as("runs %s, misfires %s", runs(), recorder.misfires)
                .noneMatch(m -> !m.first().isAfter(S4) && !m.last().isBefore(S2));
    }

    /**
     * N steps in for a preferred node that is gone. It heard the pause; a trigger during the pause
     * runs on N until after S2. The worker is resumed before S2, but the event reaches N only after
     * the run. S2 fell after the resume: N's cycle of S2, which waited behind the run, runs it
     * rather than skip it as a slot its preferred node skipped as paused.
     */
    @Test
    void aSlotAfterAResumeLearnedFromARecordIsNotSkippedAsAPauseSlot() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ScriptedCoordination n = new ScriptedCoordination(records.node("n"));
        n.roles.put("w", ClaimRole.STEP_IN);
        manager = Baton.manager(n).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> {
            if (ctx.runKind() == RunKind.TRIGGERED) {
                entered.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
        }));
        manager.start();
        advanceTo(S1.plusSeconds(1));
        assertThat(recorder.slots("w")).as("runs %s", runs()).contains(S1);

        n.pause("w");
        n.events.pauseChanged("w", true);
        time.settle();
        advanceTo(S1.plusSeconds(2));
        n.trigger("w");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        advanceTo(S2.minusSeconds(1));
        n.resume("w");
        // The resume event is late: the trigger's run ends first.
        advanceTo(S2.plusSeconds(2));
        release.countDown();
        Thread.sleep(300);
        time.settle();
        n.events.pauseChanged("w", false);
        time.settle();
        advanceTo(S3.minusSeconds(1));

        assertThat(recorder.results).as("runs %s, misfires %s", runs(), recorder.misfires)
                .anyMatch(r -> r.slot().equals(S2) && r.kind() == RunKind.SCHEDULED);
    }
}
