package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim of slot S2 that re-ran an earlier slot instead, on a node that then died: S2 was claimed
 * by nobody, and the standby that passed it must not take it for run. On records kept as Hazelcast
 * keeps them (a dead holder's run reads as running until a claim takes it over).
 */
class ClaimTurnedIntoAReRunTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();

    @AfterEach
    void close() {
        fleet.close();
    }

    /** The death is noticed a lease later, after S3: the survivor is preferred from then on. */
    private void becomePreferredAfterS3(ScriptedCoordination node) {
        fleet.advanceTo(S3.plusSeconds(1));
        node.roles.put("w", ClaimRole.PREFERRED);
        node.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S4.plusSeconds(2));
    }

    /** As below, with S1's first re-run dead too, so that the claim of S2 re-runs a re-run. */
    @Test
    void aSlotWhoseClaimReRanAReRunOnANodeThatDiedRunsLateOrIsReported() {
        ScriptedCoordination node = fleet.start("survivor", ClaimRole.STANDBY);

        fleet.advanceTo(S1.minusMillis(100));
        StickyRecords.Node first = fleet.records.node("dies-1");
        long fence = first.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow().fencingToken();
        fleet.records.kill(first);
        fleet.advanceTo(S1.plusSeconds(2));
        StickyRecords.Node rerun = fleet.records.node("dies-1b");
        rerun.claim(ClaimRequest.rerun("w", S1, fence)).orElseThrow();
        fleet.records.kill(rerun);
        fleet.advanceTo(S2);
        fleet.claimsAndDies("dies-2", S2);

        becomePreferredAfterS3(node);

        fleet.assertRanOrReported(S2);
    }

    /**
     * The preferred node's claim of S2 re-ran S1 (left behind by a node that died) instead, and its
     * node died too. The survivor, a standby at S2 and S3, becomes preferred after S3 (the death is
     * noticed a lease later) and its catch-up of S3 re-runs S1 again. As the README promises (row 1:
     * "the slots since follow the misfire policy"; row 7: the node that runs the late slot reports
     * it), S2 then runs, coalesced with S3 or on its own, or at least is reported as a misfire.
     */
    @Test
    void aSlotWhoseClaimReRanAnEarlierSlotOnANodeThatDiedRunsLateOrIsReported() {
        ScriptedCoordination node = fleet.start("survivor", ClaimRole.STANDBY);

        fleet.advanceTo(S1.minusMillis(100));
        fleet.claimsAndDies("dies-1", S1);
        fleet.advanceTo(S2);
        assertThat(fleet.claimsAndDies("dies-2", S2)).isEqualTo(ClaimRequest.Kind.RERUN);

        becomePreferredAfterS3(node);

        fleet.assertRanOrReported(S2);
    }
}
