package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static dev.baton.coordinator.support.FiveSecondSlots.S5;
import static dev.baton.coordinator.support.FiveSecondSlots.S6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plan after a claim that turned into a re-run of an earlier slot: slots that fell during a
 * pause count not at all, however this node learned of the resume, and slots another node ran
 * meanwhile are not reported missed again. On records kept as Hazelcast keeps them.
 */
class PlanAfterAReRunTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();

    @AfterEach
    void close() {
        fleet.close();
    }

    /** S1's node dies; a preferred node runs the worker and hears (or not) the pause that follows. */
    private ScriptedCoordination preferredAfterS1sNodeDied() {
        ScriptedCoordination node = fleet.start("node", ClaimRole.PREFERRED);
        // Before this node claims S1 ahead of its instant.
        fleet.advanceTo(S1.minus(Baton.DEFAULT_CLAIM_AHEAD).minusMillis(100));
        fleet.claimsAndDies("dies", S1);
        fleet.advanceTo(S1.plusSeconds(2));
        node.pause("w");
        return node;
    }

    /**
     * The worker is paused from before S2 to after S4 (this node heard the pause). The resume
     * reaches this node only after its claim of S5 (events are asynchronous): the claim re-runs S1,
     * and the record the re-run completes with already says "not paused". S2..S4 fell during the
     * pause: they count not at all (README: a slot that fell during a pause is no misfire).
     */
    @Test
    void slotsOfAPauseWhoseResumeThisNodeHeardAfterItsClaimAreNoMisfire() {
        ScriptedCoordination node = preferredAfterS1sNodeDied();
        node.events.pauseChanged("w", true);
        fleet.time.settle();
        fleet.advanceTo(S4.plusSeconds(2));
        node.resume("w");
        // The resume event is late: the claim of S5 comes first.
        fleet.advanceTo(S5.plusSeconds(2));
        node.events.pauseChanged("w", false);
        fleet.time.settle();
        fleet.advanceTo(S6.plusSeconds(2));

        fleet.assertReRanS1();
        fleet.assertNoMisfireWithin(S2, S4);
    }

    /** As above, but this node never heard the pause (an event lost, or it came before the node listened). */
    @Test
    void slotsOfAPauseWhoseStartThisNodeMissedAreNoMisfire() {
        ScriptedCoordination node = preferredAfterS1sNodeDied();
        fleet.advanceTo(S4.plusSeconds(2));
        node.resume("w");
        node.events.pauseChanged("w", false);
        fleet.time.settle();
        fleet.advanceTo(S6.plusSeconds(2));

        fleet.assertNoMisfireWithin(S2, S4);
    }

    /** The same with the resume heard in time. */
    @Test
    void slotsOfAPauseWhoseResumeThisNodeHeardInTimeAreNoMisfire() {
        ScriptedCoordination node = preferredAfterS1sNodeDied();
        node.events.pauseChanged("w", true);
        fleet.time.settle();
        fleet.advanceTo(S4.plusSeconds(2));
        node.resume("w");
        node.events.pauseChanged("w", false);
        fleet.time.settle();
        fleet.advanceTo(S6.plusSeconds(2));

        fleet.assertReRanS1();
        fleet.assertNoMisfireWithin(S2, S4);
    }

    /**
     * D's run of S1 dies. P's claim of S2 re-runs S1 instead; P's session is then cut off (P lives,
     * its re-run goes on until its renewal fails, at S4). Standby B, preferred after S3 while P is
     * cut off, catches S3 up: its claim re-runs S1 again, then it runs S3 coalesced with S2 and
     * reports S2..S3. P comes back preferred; its re-run ends LEASE_LOST at S4 and it plans from S1
     * too unless it reads the record: S2 (and S3, which B ran) would be reported missed twice.
     */
    @Test
    void slotsPassedBeforeAReRunAreReportedOnceWhenTheClaimsNodeLives() {
        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("dies", S1);
        StickyRecords.Node pSessions = fleet.records.node("p");
        AtomicInteger pRuns = new AtomicInteger();
        ScriptedCoordination p = fleet.start(pSessions, ClaimRole.PREFERRED, ctx -> {
            if (pRuns.incrementAndGet() == 1) {
                Thread.sleep(Duration.ofHours(1));
            }
        });
        ScriptedCoordination b = fleet.start("b", ClaimRole.STANDBY);

        fleet.advanceTo(S2.plusMillis(500));
        assertThat(fleet.records.state("w").running().kind()).as("P re-runs S1").isEqualTo(ClaimRequest.Kind.RERUN);
        fleet.advanceTo(S3.plusSeconds(1));
        fleet.records.rejoin(pSessions);
        p.roles.put("w", ClaimRole.STANDBY);
        b.roles.put("w", ClaimRole.PREFERRED);
        b.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S3.plusSeconds(2));
        p.roles.put("w", ClaimRole.PREFERRED);
        b.roles.put("w", ClaimRole.STANDBY);
        fleet.advanceTo(S5.plusSeconds(2));

        assertThat(fleet.reportsOf(S2)).as("runs %s, misfires %s", fleet.runs(), fleet.recorder.misfires).isEqualTo(1);
    }
}
