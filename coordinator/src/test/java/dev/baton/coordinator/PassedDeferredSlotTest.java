package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static dev.baton.coordinator.support.FiveSecondSlots.S5;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.RunKind;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Instant;
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

    /**
     * D dies running S1; the claims of S2, S3 and S4 (on three nodes) each turn into a re-run of S1
     * and each of those nodes dies: S1 was re-run three times, S2 is deferred. N, a standby that
     * passed S2 to S4, becomes preferred: its catch-up of S4 may not re-run S1 a fourth time, so it
     * goes past S2 and S3, and reports them with S4's run (coalesced, the default policy), once.
     */
    @Test
    void slotsDeferredWhileTheReRunsWereUsedUpAreReportedByTheClaimThatGoesPastThem() {
        ScriptedCoordination n = fleet.start("n", ClaimRole.STANDBY);
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("d", S1);
        Instant[] slots = {S2, S3, S4};
        for (int i = 0; i < slots.length; i++) {
            fleet.advanceTo(slots[i]);
            assertThat(fleet.claimsAndDies("x" + i, slots[i])).isEqualTo(ClaimRequest.Kind.RERUN);
        }
        assertThat(fleet.records.state("w").reruns()).isEqualTo(3);
        assertThat(fleet.records.state("w").deferred()).isEqualTo(S2.toEpochMilli());

        fleet.advanceTo(S4.plusSeconds(1));
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S5.plusSeconds(2));

        assertThat(fleet.recorder.results).as("runs %s", fleet.runs()).noneMatch(r -> r.kind() == RunKind.RERUN);
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S4, 3, MisfirePolicy.COALESCE));
        assertThat(fleet.records.state("w").deferred()).isEqualTo(Long.MIN_VALUE);
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
}
