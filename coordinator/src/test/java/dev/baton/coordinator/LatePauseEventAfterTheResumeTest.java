package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.WorkerRecord;
import org.junit.jupiter.api.Test;

/**
 * A pause event older than what a node knows, arriving after the worker was resumed, marks the
 * slots of that pause only: a slot that fell after the real resume (which the node had already
 * heard) and before the late event arrived is still run (from review s37b).
 */
class LatePauseEventAfterTheResumeTest {

    /** Another node paused "w" at S1 + 1 s and resumed it at S2 - 1 s; the resume's event reached N at once. */
    private record PausedAndResumed(StickyRecords.Node other, ScriptedCoordination n, WorkerRecord pause) {
    }

    private static PausedAndResumed pausedAndResumedBeforeS2(FiveSecondSlots fleet, ClaimRole role) {
        StickyRecords.Node other = fleet.records.node("other");
        fleet.advanceTo(S1);
        other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
        fleet.advanceTo(S1.plusMillis(500));
        ScriptedCoordination n = fleet.start(fleet.records.node("n"), role, ctx -> { });
        fleet.time.settle();
        fleet.advanceTo(S1.plusSeconds(1));
        other.pause("w");
        WorkerRecord pause = fleet.records.state("w").toRecord();
        fleet.advanceTo(S2.minusSeconds(1));
        other.resume("w");
        deliver(n, fleet.records.state("w").toRecord());
        return new PausedAndResumed(other, n, pause);
    }

    /** The event of the action that left {@code record}, dated as the coordinations date it. */
    private static void deliver(ScriptedCoordination n, WorkerRecord record) {
        n.events.pauseChanged("w", record.paused(), record.pauseToken(), record.pauseChangedAt());
    }

    private static void assertS2Ran(FiveSecondSlots fleet) {
        assertThat(fleet.records.state("w").lastSlot())
                .as("S2 fell 1 s after the resume N had heard; runs %s, claims lost %s", fleet.runs(),
                        fleet.recorder.claimsLost)
                .isEqualTo(S2.toEpochMilli());
    }

    /**
     * Paused at S1 + 1 s and resumed at S2 - 1 s (actions made on other nodes; the resume's event reaches
     * N at once, the pause's is held up on its way). S2 falls after the resume: it must run. The
     * worker's preferred node is gone and N steps in for it after the grace; the late pause event
     * arrives at S2 + 200 ms, before N's look. N must not take S2 for a slot that fell during the
     * pause.
     */
    @Test
    void aSlotAfterTheResumeStillRunsWhenTheOlderPauseEventArrivesLate() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            PausedAndResumed w = pausedAndResumedBeforeS2(fleet, ClaimRole.STEP_IN);

            fleet.advanceTo(S2.plusMillis(200));
            deliver(w.n(), w.pause());                     // the pause, held up, comes after S2 fell
            fleet.advanceTo(S2.plusSeconds(4));

            assertS2Ran(fleet);
        }
    }

    /**
     * The same late event on a standby: N heard the resume (S2 - 1 s), passed S2 as a standby and
     * keeps it to catch up should the preferred node not run it. That node dies without running S2;
     * the pause event, held up, arrives at S2 + 1 s, and must not clear the passed slot, as S2 fell
     * after the resume; when the balance makes N preferred, within S2's period, N must still run S2.
     */
    @Test
    void aSlotPassedAfterTheResumeIsStillCaughtUpWhenTheOlderPauseEventArrivesLate() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            PausedAndResumed w = pausedAndResumedBeforeS2(fleet, ClaimRole.STANDBY);
            fleet.records.kill(w.other());                 // the preferred node dies before S2

            fleet.advanceTo(S2.plusMillis(500));           // N passed S2 as a standby
            fleet.advanceTo(S2.plusSeconds(1));
            deliver(w.n(), w.pause());                     // the pause, held up, comes after S2 fell
            fleet.advanceTo(S2.plusSeconds(2));
            w.n().roles.put("w", ClaimRole.PREFERRED);     // the balance: N prefers w now
            w.n().events.rebalanced();
            fleet.advanceTo(S2.plusSeconds(4));

            assertS2Ran(fleet);
        }
    }
}
