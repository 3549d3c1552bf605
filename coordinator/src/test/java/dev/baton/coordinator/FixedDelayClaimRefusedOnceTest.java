package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The preferred node of a fixed-delay worker whose record is readable and shows the next run due now
 * has its claim refused once (a lock whose votes split, the claim's answer taking 20 ms): it claims
 * again at once. A look a second later (as for a standby, or without a record to go by) would start
 * the run a second late, and under misfire SKIP skip it and wait a whole further delay (from review
 * s37d).
 */
class FixedDelayClaimRefusedOnceTest {

    private static final Duration DELAY = Duration.ofSeconds(5);

    private final FiveSecondSlots fleet = new FiveSecondSlots();
    private final ScriptedCoordination n = new ScriptedCoordination(fleet.records.node("n"));
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    /** Another node ran w at S1 (finished at once): its next run is due at S1 + 5 s = S2, on N, preferred. */
    private void startPreferred(WorkerOptions options) {
        StickyRecords.Node other = fleet.records.node("other");
        fleet.advanceTo(S1);
        other.claim(ClaimRequest.chained("w", S1, Optional.empty())).orElseThrow().complete(Outcome.SUCCEEDED);
        fleet.advanceTo(S1.plusMillis(500));
        n.roles.put("w", ClaimRole.PREFERRED);
        manager = Baton.manager(n).scheduler(fleet.time).listener(fleet.recorder).build();
        manager.add(new TestWorker("w", Schedule.fixedDelay(DELAY), options, ctx -> { }));
        manager.start();
        fleet.time.settle();
    }

    /** At S2 N claims; the claim takes 20 ms and is refused once. */
    private void claimAtS2RefusedOnce() throws InterruptedException {
        n.claimBlocked = new CountDownLatch(1);
        n.refuseNext.set(1);
        fleet.advanceTo(S2);
        assertThat(n.claimEntered.await(5, java.util.concurrent.TimeUnit.SECONDS)).as("N claimed at S2").isTrue();
        fleet.time.advance(Duration.ofMillis(20));
        n.claimBlocked.countDown();
        fleet.time.settle();
        // A node may try again after a short real pause (as a step-in's claim does): give it that, clock held.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (fleet.recorder.starts.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            fleet.time.settle();
        }
    }

    private Instant firstRunStart() {
        return fleet.recorder.starts.isEmpty() ? null : fleet.recorder.starts.get(0).startedAt();
    }

    @Test
    @Timeout(30)
    void underMisfireSkipARunWhoseClaimWasRefusedOnceIsNotSkipped() throws Exception {
        startPreferred(WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP));
        claimAtS2RefusedOnce();
        fleet.advanceTo(S2.plusSeconds(7));

        assertThat(firstRunStart())
                .as("the run due at S2, whose claim was refused once at S2 + 20 ms; runs %s, misfires %s, claims lost %s",
                        fleet.runs(), fleet.recorder.misfires, fleet.recorder.claimsLost)
                .isNotNull().isBefore(S2.plusSeconds(1));
        assertThat(fleet.recorder.misfires).as("nothing was late but the refused claim").isEmpty();
    }

    @Test
    @Timeout(30)
    void aRunWhoseClaimWasRefusedOnceIsClaimedAgainAtOnce() throws Exception {
        startPreferred(WorkerOptions.defaults());
        claimAtS2RefusedOnce();
        fleet.advanceTo(S2.plusMillis(500));

        assertThat(firstRunStart())
                .as("the run due at S2 after its claim was refused once; runs %s, claims lost %s", fleet.runs(),
                        fleet.recorder.claimsLost)
                .isNotNull();
    }
}
