package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static dev.baton.coordinator.support.FiveSecondSlots.S5;
import static dev.baton.coordinator.support.FiveSecondSlots.S6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.LeaseLostException;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.RunKind;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim of a later slot that goes past the record's deferred slot (a slot whose claim re-ran a
 * crashed slot instead, on a node that then died) without planning it: the claim says so, and the
 * node that runs the later slot reports the slots in between as missed. Before, the claim cleared
 * the deferred slot and they were neither run nor reported. On records kept as Hazelcast keeps them.
 */
class PassedDeferredSlotTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();

    @AfterEach
    void close() {
        fleet.close();
    }

    /** D dies running S1; the claims of S2, S3 and S4 (on three nodes) each re-run S1 and die: re-runs used up, S2 deferred. */
    private void s2DeferredWithTheReRunsUsedUp() {
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);
        Instant[] slots = {S2, S3, S4};
        for (int i = 0; i < slots.length; i++) {
            fleet.advanceTo(slots[i]);
            assertThat(fleet.claimsAndDies("x" + i, slots[i])).isEqualTo(ClaimRequest.Kind.RERUN);
        }
        assertThat(fleet.records.state("w").reruns()).isEqualTo(3);
        assertThat(fleet.records.state("w").deferred()).isEqualTo(S2.toEpochMilli());
    }

    /** Starts N as a standby whose runs lose their lease (N lives on) when {@code loses} says so. */
    private ScriptedCoordination standbyLosingItsLeaseIn(Predicate<WorkerContext> loses) {
        return fleet.start(fleet.records.node("n"), ClaimRole.STANDBY, WorkerOptions.defaults(), ctx -> {
            if (loses.test(ctx)) {
                throw new LeaseLostException("w", ctx.fencingToken());
            }
        });
    }

    /** N, a standby so far, becomes preferred for "w" at {@code at}. */
    private void becomesPreferred(ScriptedCoordination n, Instant at) {
        fleet.advanceTo(at);
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        fleet.time.settle();
    }

    /**
     * S2 deferred, S1's re-runs used up. N, a standby that passed S2 to S4, becomes preferred: its
     * catch-up of S4 may not re-run S1 a fourth time, so it goes past S2 and S3, and reports them
     * with S4's run (coalesced, the default policy), once.
     */
    @Test
    void slotsDeferredWhileTheReRunsWereUsedUpAreReportedByTheClaimThatGoesPastThem() {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        s2DeferredWithTheReRunsUsedUp();

        becomesPreferred(n, S4.plusSeconds(1));
        fleet.advanceTo(S5.plusSeconds(2));

        assertThat(fleet.recorder.results).as("runs %s", fleet.runs()).noneMatch(r -> r.kind() == RunKind.RERUN);
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S4, 3, MisfirePolicy.COALESCE));
        assertThat(fleet.records.state("w").deferred()).isEqualTo(Long.MIN_VALUE);
    }

    /**
     * As above, but Y's claim of S5, which went past S2, never runs or reports (its answer was lost,
     * its lease was gone on arrival, or Y died right after): the re-run of S5 reports S2 to S5 (from
     * the review of the first version, which lost them there).
     */
    @Test
    void slotsPassedByAClaimWhoseRunNeverCameAreReportedByItsReRun() {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        s2DeferredWithTheReRunsUsedUp();
        fleet.advanceTo(S5);
        assertThat(fleet.claimsAndDies("y", S5)).isEqualTo(ClaimRequest.Kind.SCHEDULED);

        becomesPreferred(n, S5.plusSeconds(1));
        fleet.advanceTo(S6.plusSeconds(2));

        assertThat(fleet.recorder.results).as("runs %s", fleet.runs())
                .anyMatch(r -> r.slot().equals(S5) && r.kind() == RunKind.RERUN);
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S5, 4, MisfirePolicy.COALESCE));
    }

    /**
     * P's claim of S2 re-runs S1 (S2 deferred), so N's step-in claim of S2 is refused; P dies. N's
     * claim of S3 re-runs S1, and N's one read of the record after that re-run fails: N plans S3 as
     * if nothing were deferred. Its claim of S3 goes past S2 and reports it with S3's run.
     */
    @Test
    void aSlotDeferredBeforeAFailedReadIsReportedByTheNextClaim() throws InterruptedException {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STEP_IN);
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);
        fleet.advanceTo(S2);
        StickyRecords.Node p = fleet.records.node("p");
        assertThat(p.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow().kind())
                .isEqualTo(ClaimRequest.Kind.RERUN);
        fleet.advanceTo(S2.plusSeconds(2));
        fleet.await("N's claim of S2 refused", () -> fleet.recorder.claimsLost.contains(S2));
        fleet.records.kill(p);
        n.failReads = true;

        fleet.advanceTo(S3.plusSeconds(1));
        fleet.await("S3 run", () -> fleet.recorder.results.stream().anyMatch(r -> r.slot().equals(S3)));
        n.failReads = false;
        fleet.advanceTo(S4.plusSeconds(2));

        fleet.assertReRanS1();
        assertThat(fleet.recorder.results).as("runs %s", fleet.runs()).noneMatch(r -> r.slot().equals(S2));
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S3, 2, MisfirePolicy.COALESCE));
    }

    /**
     * As the first case, but N's catch-up run of S4 loses its lease (a short partition; N lives on):
     * N's own claim of S5 re-runs S4, and N, which reported S2 to S4 with S4's first run, does not
     * report them again (from the review of the second version).
     */
    @Test
    void aNodeThatLivesOnDoesNotReportThePassedSlotsAgainWhenItReRunsItsOwnSlot() {
        ScriptedCoordination n = standbyLosingItsLeaseIn(ctx -> ctx.runKind() == RunKind.CATCH_UP);
        s2DeferredWithTheReRunsUsedUp();

        becomesPreferred(n, S4.plusSeconds(1));
        fleet.advanceTo(S5.plusSeconds(2));
        fleet.advanceTo(S6.plusSeconds(2));

        assertThat(fleet.recorder.results).as("runs %s", fleet.runs())
                .anyMatch(r -> r.slot().equals(S4) && r.kind() == RunKind.RERUN);
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S4, 3, MisfirePolicy.COALESCE));
    }

    /**
     * Y's claim of S5 goes past S2 and Y dies before it reports; the claims of S6, S7 and S8 each
     * re-run S5 and die too (S5's re-runs used up, S6 deferred). N's catch-up claim of S8 goes past
     * both: it reports from S2 on, not only from S6 (from the third review).
     */
    @Test
    void slotsPassedByAClaimWhoseSlotNeverFinishedAreKeptByTheNextLaterClaim() {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        s2DeferredWithTheReRunsUsedUp();
        fleet.advanceTo(S5);
        assertThat(fleet.claimsAndDies("y", S5)).isEqualTo(ClaimRequest.Kind.SCHEDULED);
        Instant s8 = S6.plusSeconds(10);
        for (Instant slot : new Instant[] {S6, S6.plusSeconds(5), s8}) {
            fleet.advanceTo(slot);
            assertThat(fleet.claimsAndDies("z" + slot.getEpochSecond(), slot)).isEqualTo(ClaimRequest.Kind.RERUN);
        }

        becomesPreferred(n, s8.plusSeconds(1));
        fleet.advanceTo(s8.plusSeconds(7));

        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, s8, 7, MisfirePolicy.COALESCE));
    }

    /**
     * As aNodeThatLivesOn..., but N's runs keep losing their lease (N lives on) until S4's
     * re-runs are used up; N's claim of a later slot may not report S2 to S4 again.
     */
    @Test
    void aLivingNodeDoesNotReportThePassedSlotsAgainWithALaterSlotAfterTheReRunsAreUsedUp() {
        AtomicInteger runs = new AtomicInteger();
        ScriptedCoordination n = standbyLosingItsLeaseIn(ctx -> runs.incrementAndGet() <= 4);
        s2DeferredWithTheReRunsUsedUp();

        becomesPreferred(n, S4.plusSeconds(1));
        for (int i = 1; i <= 8; i++) {
            fleet.advanceTo(S4.plusSeconds(5L * i + 2));
        }

        for (Instant slot = S2; slot.isBefore(S4.plusSeconds(40)); slot = slot.plusSeconds(5)) {
            assertThat(fleet.reportsOf(slot)).as("reports of %s; runs %s, misfires %s", slot, fleet.runs(),
                    fleet.recorder.misfires).isLessThanOrEqualTo(1);
        }
    }
}
