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
 * Both events held up (their nodes announce them with their next sessions): the resume's reaches N
 * after a slot that fell 2 s after the real resume, and the older pause's right after it. Dated by
 * the resume's arrival, N would take that slot for one of the pause's and, stepping in for the gone
 * preferred node, not run it; the event says when the resume was made, as the record does (from
 * review s37d).
 */
class LateResumeEventThenStalePauseTest {

    @Test
    void aSlotAfterTheResumeRunsWhenTheResumesEventArrivedAfterIt() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusMillis(500));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();

            fleet.advanceTo(S1.plusSeconds(1));
            other.pause("w");
            WorkerRecord pause = fleet.records.state("w").toRecord();
            fleet.advanceTo(S2.minusSeconds(2));
            other.resume("w");                             // the real resume, 2 s before S2
            WorkerRecord resume = fleet.records.state("w").toRecord();
            fleet.records.kill(other);                     // the preferred node is gone

            fleet.advanceTo(S2.plusMillis(100));
            // The resume's event, held up, and the older pause's, held up too; each dated as the coordinations do.
            n.events.pauseChanged("w", false, resume.pauseToken(), resume.pauseChangedAt());
            fleet.advanceTo(S2.plusMillis(200));
            n.events.pauseChanged("w", true, pause.pauseToken(), pause.pauseChangedAt());
            fleet.advanceTo(S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume; runs %s, claims lost %s, misfires %s", fleet.runs(),
                            fleet.recorder.claimsLost, fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        }
    }
}
