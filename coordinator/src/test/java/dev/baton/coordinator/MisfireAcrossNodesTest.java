package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Outcome;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node reports the slots its plan passed over with the run that follows, also when other nodes
 * claimed slots or wrote the record meanwhile. On records kept as Hazelcast keeps them.
 */
class MisfireAcrossNodesTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();

    @AfterEach
    void close() {
        fleet.close();
    }

    /**
     * Misfire policy SKIP. A's run of S1 overruns to S3+1.5 s; B (step-in) has its claims of S1 and S2
     * refused by A's live run, and its claim of S3 waits for the lock A's run holds. A's run ends and
     * A plans S4 with the misfire S2..S3. Then B's claim of S3 applies (B planned S3 alone: it
     * reports nothing). A reports S2 with S4's run, once (a version that left out of a plan's misfire
     * the slots claimed by others meanwhile lost it; S3, which B ran, is reported with it).
     */
    @Test
    void aSlotMissedDuringAnOverrunIsStillReportedWhenAnotherNodeClaimsALaterOneMeanwhile()
            throws InterruptedException {
        WorkerOptions skip = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
        CountDownLatch runGoesOn = new CountDownLatch(1);
        CountDownLatch runStarted = new CountDownLatch(1);
        fleet.start(fleet.records.node("a"), ClaimRole.PREFERRED, skip, ctx -> {
            if (ctx.scheduledAt().equals(S1)) {
                runStarted.countDown();
                runGoesOn.await(10, TimeUnit.SECONDS);
            }
        });
        ScriptedCoordination b = fleet.start(fleet.records.node("b"), ClaimRole.STEP_IN, skip, ctx -> { });
        try {
            fleet.advanceTo(S1);
            assertThat(runStarted.await(5, TimeUnit.SECONDS)).as("A runs S1; runs %s", fleet.runs()).isTrue();
            fleet.advanceTo(S1.plusSeconds(1));
            fleet.await("B's claim of S1 refused", () -> fleet.recorder.claimsLost.contains(S1));
            fleet.advanceTo(S2.plusSeconds(1));
            fleet.await("B's claim of S2 refused", () -> fleet.recorder.claimsLost.contains(S2));

            CountDownLatch bClaimGoesOn = new CountDownLatch(1);
            b.claimBlocked = bClaimGoesOn;
            fleet.advanceTo(S3.plusMillis(700));
            assertThat(b.claimEntered.await(5, TimeUnit.SECONDS)).as("B claims S3").isTrue();
            fleet.advanceTo(S3.plusMillis(1500));
            runGoesOn.countDown();
            fleet.await("A planned S4 after its run", () -> fleet.manager(0).list().stream()
                    .anyMatch(i -> i.nextSlot().equals(Optional.of(S4))));
            b.claimBlocked = null;
            bClaimGoesOn.countDown();
            fleet.await("B ran S3", () -> fleet.recorder.results.stream().anyMatch(r -> r.slot().equals(S3)));
            fleet.advanceTo(S4.plusSeconds(2));
            fleet.await("S4 ran", () -> fleet.recorder.results.stream().anyMatch(r -> r.slot().equals(S4)));
        } finally {
            runGoesOn.countDown();
        }

        assertThat(fleet.recorder.results).as("runs %s", fleet.runs()).noneMatch(r -> r.slot().equals(S2));
        assertThat(fleet.reportsOf(S2)).as("reports of S2: %s", fleet.recorder.misfires).isEqualTo(1);
    }

    /**
     * A's run of S1 overruns to S4+0.5 s (nobody else may claim meanwhile); A plans S4 with the
     * misfire S2..S4 (coalesced). Right after A's completion, a node whose clock was ahead claims a
     * slot far in the future, so A's claim of S4 is a rebase: A reports its misfire with S4's run (a
     * version that left out of a plan's misfire the slots up to the record's last one lost it).
     */
    @Test
    void aRebaseClaimStillReportsItsOwnMisfire() throws InterruptedException {
        Instant farAhead = S1.plusSeconds(300);
        CountDownLatch runGoesOn = new CountDownLatch(1);
        CountDownLatch runStarted = new CountDownLatch(1);
        ScriptedCoordination a = fleet.start(fleet.records.node("a"), ClaimRole.PREFERRED, WorkerOptions.defaults(),
                ctx -> {
                    if (ctx.scheduledAt().equals(S1)) {
                        runStarted.countDown();
                        runGoesOn.await(10, TimeUnit.SECONDS);
                    }
                });
        StickyRecords.Node ahead = fleet.records.node("ahead");
        a.afterNextCompletion.set(() -> ahead.claim(ClaimRequest.scheduled("w", farAhead)).orElseThrow()
                .complete(Outcome.SUCCEEDED));
        try {
            fleet.advanceTo(S1);
            assertThat(runStarted.await(5, TimeUnit.SECONDS)).as("A runs S1; runs %s", fleet.runs()).isTrue();
            fleet.advanceTo(S4.plusMillis(500));
            runGoesOn.countDown();
            fleet.await("A ran S4 (rebased)",
                    () -> fleet.recorder.results.stream().anyMatch(r -> r.slot().equals(S4)));
        } finally {
            runGoesOn.countDown();
        }
        assertThat(fleet.records.state("w").lastSlot()).as("the rebase took").isLessThan(farAhead.toEpochMilli());

        fleet.assertRanOrReported(S2);
        fleet.assertRanOrReported(S3);
        assertThat(fleet.recorder.misfires).as("runs %s", fleet.runs())
                .containsExactly(new Recorder.Misfire("w", S2, S4, 3, MisfirePolicy.COALESCE));
    }
}
