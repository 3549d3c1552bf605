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
 * LateResumeEventThenStalePauseTest and LateResumeEventUnderARaisedFloorTest with the two held-up
 * events arriving in the order they were made, as they must when one node made both actions (a
 * session's log reaches a member in order). An operator node "ops" pauses at S1 + 1 s and resumes
 * 2 s before S2; the preferred node "other" is gone; ops's log reaches N late (held up on its way,
 * or announced with its next session): the pause at S2 + 100 ms, the resume at S2 + 200 ms, each
 * dated by when it was made. Dated by its arrival, the resume would make S2 a slot of the pause, and
 * N, stepping in after the grace, would not run it (from review s38b).
 */
class LatePauseAndResumeEventsInOrderTest {

    @Test
    void aSlotAfterTheResumeRunsWhenThePauseAndResumeEventsArriveLateInOrder() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            StickyRecords.Node ops = fleet.records.node("ops");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusMillis(500));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();

            fleet.advanceTo(S1.plusSeconds(1));
            ops.pause("w");
            WorkerRecord pause = fleet.records.state("w").toRecord();
            fleet.advanceTo(S2.minusSeconds(2));
            ops.resume("w");                               // the real resume, 2 s before S2
            WorkerRecord resume = fleet.records.state("w").toRecord();
            fleet.records.kill(other);                     // the preferred node is gone

            fleet.advanceTo(S2.plusMillis(100));
            // ops's log, held up, arrives in its order: the pause, then the resume.
            n.events.pauseChanged("w", true, pause.pauseToken(), pause.pauseChangedAt());
            fleet.advanceTo(S2.plusMillis(200));
            n.events.pauseChanged("w", false, resume.pauseToken(), resume.pauseChangedAt());
            fleet.advanceTo(S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume (made at %s, its event arrived at S2 + 200 ms); runs %s,"
                                    + " claims lost %s, misfires %s", resume.pauseChangedAt().orElseThrow(),
                            fleet.runs(), fleet.recorder.claimsLost, fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        }
    }
}
