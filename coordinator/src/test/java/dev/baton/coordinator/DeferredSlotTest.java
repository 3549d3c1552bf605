package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static dev.baton.coordinator.support.FiveSecondSlots.S5;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.RunKind;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Instant;
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

    private final FiveSecondSlots fleet = new FiveSecondSlots();

    @AfterEach
    void close() {
        fleet.close();
    }

    private void awaitClaimLost(Instant slot) throws InterruptedException {
        fleet.await("N's claim of " + slot + " refused", () -> fleet.recorder.claimsLost.contains(slot));
    }

    private void awaitReRunOfS1() throws InterruptedException {
        fleet.await("S1 re-run", () -> fleet.recorder.results.stream()
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN));
    }

    /** At S2, P's claim of S2 re-runs S1 instead (S2 deferred); P lives on for now. */
    private StickyRecords.Node pReRunsS1ForItsClaimOfS2() {
        fleet.advanceTo(S2);
        StickyRecords.Node p = fleet.records.node("p");
        assertThat(p.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow().kind())
                .isEqualTo(ClaimRequest.Kind.RERUN);
        fleet.advanceTo(S2.plusSeconds(2));
        return p;
    }

    /**
     * D dies running S1; N steps in; P's claim of S2 turns into a re-run of S1 (S2 deferred), so
     * N's claim of S2 is refused. P dies. Returns N.
     */
    private ScriptedCoordination s2DeferredByADeadNode() throws InterruptedException {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STEP_IN);
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);
        fleet.advanceTo(S1.plusSeconds(2));
        awaitClaimLost(S1);

        StickyRecords.Node p = pReRunsS1ForItsClaimOfS2();
        awaitClaimLost(S2);
        assertThat(fleet.records.state("w").deferred()).isEqualTo(S2.toEpochMilli());
        fleet.records.kill(p);
        return n;
    }

    /**
     * The preferred node D dies running S1; N and P both step in. P's claim of S2 (after the grace)
     * turns into a re-run of S1, so N's claim of S2 is refused. P dies during its re-run. N's claim
     * of S3 re-runs S1 again; nobody claimed S2, so it runs (coalesced with S3) or is reported, not
     * passed as a slot another node had.
     */
    @Test
    void aSlotAStepInNodeWasRefusedBecauseAnotherClaimTurnedIntoAReRunIsRunLateOrReported() throws InterruptedException {
        s2DeferredByADeadNode();

        fleet.advanceTo(S4.plusSeconds(2));
        fleet.assertReRanS1();
        fleet.assertRanOrReported(S2);
    }

    /** P's death reaches N as Hazelcast reports it, an orphan event: N's re-run request re-runs S1, then S2 runs late. */
    @Test
    void theDeferredSlotIsPlannedAfterTheOrphansReRun() throws InterruptedException {
        ScriptedCoordination n = s2DeferredByADeadNode();
        fleet.advanceTo(S2.plusSeconds(3));
        n.events.orphaned("w");
        awaitReRunOfS1();

        fleet.advanceTo(S4.plusSeconds(2));
        fleet.assertRanOrReported(S2);
    }

    /** The same with a trigger on N taking the record over first (it re-runs S1, then runs itself). */
    @Test
    void theDeferredSlotIsPlannedAfterATriggersReRun() throws InterruptedException {
        ScriptedCoordination n = s2DeferredByADeadNode();
        fleet.advanceTo(S2.plusSeconds(3));
        n.trigger("w");
        awaitReRunOfS1();

        fleet.advanceTo(S4.plusSeconds(2));
        fleet.assertRanOrReported(S2);
        assertThat(fleet.recorder.results).extracting(ExecutionResult::kind).as("runs %s", fleet.runs())
                .contains(RunKind.TRIGGERED);
    }

    /**
     * The same on a standby that looks after the grace while the balance settles (the same path as
     * while its watch looks out, and as after its own overrun): its claim of S2 is refused by P's
     * re-run; it passes S3 as a plain standby; its catch-up of S3 re-runs S1 again (P died).
     */
    @Test
    void aSlotASettlingStandbyWasRefusedBecauseAnotherClaimTurnedIntoAReRunIsRunLateOrReported() throws InterruptedException {
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);
        // N joins after S1 (or it ran its last slot itself): it passed no slot as a standby yet.
        fleet.advanceTo(S1.plusSeconds(2));
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        fleet.time.settle();

        n.settling = true;
        StickyRecords.Node p = pReRunsS1ForItsClaimOfS2();
        awaitClaimLost(S2);
        n.settling = false;
        fleet.records.kill(p);

        // P's death is noticed a lease later, after S3 (which N passes as a standby).
        fleet.advanceTo(S3.plusSeconds(1));
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S4.plusSeconds(2));
        fleet.assertReRanS1();
        fleet.assertRanOrReported(S2);
    }

    /**
     * A standby that never heard the pause (an event lost, as PlanAfterAReRunTest's second case for
     * a preferred node) passes the pause's slots S2..S4 as a standby. Its catch-up of S5 re-runs S1
     * (D died running it); S2..S4 fell during a pause and are no misfire (README).
     */
    @Test
    void slotsOfAPauseAStandbyNeverHeardOfAreNoMisfireAfterItsReRun() {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);

        fleet.advanceTo(S1.plusSeconds(2));
        n.pause("w");
        fleet.advanceTo(S4.plusSeconds(2));
        n.resume("w");
        n.events.pauseChanged("w", false);
        fleet.time.settle();
        // D's death is noticed after S5, which N passes too: it catches S5 up.
        fleet.advanceTo(S5.plusSeconds(1));
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S5.plusSeconds(12));

        fleet.assertReRanS1();
        fleet.assertNoMisfireWithin(S2, S4);
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
        ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> {
            if (ctx.runKind() == RunKind.TRIGGERED) {
                entered.countDown();
                release.await(10, TimeUnit.SECONDS);
            }
        });
        fleet.advanceTo(S1.plusSeconds(1));
        assertThat(fleet.recorder.slots("w")).as("runs %s", fleet.runs()).contains(S1);

        n.pause("w");
        n.events.pauseChanged("w", true);
        fleet.time.settle();
        fleet.advanceTo(S1.plusSeconds(2));
        n.trigger("w");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        fleet.advanceTo(S2.minusSeconds(1));
        n.resume("w");
        // The resume event is late: the trigger's run ends first.
        fleet.advanceTo(S2.plusSeconds(2));
        release.countDown();
        fleet.await("the triggered run ended", () -> fleet.recorder.results.stream()
                .anyMatch(r -> r.kind() == RunKind.TRIGGERED));
        n.events.pauseChanged("w", false);
        fleet.time.settle();
        fleet.advanceTo(S3.minusSeconds(1));

        assertThat(fleet.recorder.results).as("runs %s, misfires %s", fleet.runs(), fleet.recorder.misfires)
                .anyMatch(r -> r.slot().equals(S2) && r.kind() == RunKind.SCHEDULED);
    }
}
