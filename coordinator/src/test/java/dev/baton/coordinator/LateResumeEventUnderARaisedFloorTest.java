package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * LateResumeEventThenStalePauseTest with the tokens of the two actions issued above a fence floor a
 * minute ahead of the clock (the cluster clock was ahead a while ago: a member whose clock ran fast
 * left; HzCoordination.flag issues max(floor + 1, now), so the token's time part is the floor's).
 * Dated by its token, capped at now, each event would be dated by its arrival, and the slot that fell
 * 2 s after the real resume would be taken for one of the pause's and not run: an action says when
 * it was made, in the record and in its event, apart from its token.
 */
class LateResumeEventUnderARaisedFloorTest {

    @Test
    void aSlotAfterTheResumeRunsWhenTheActionsTokensLieAheadOfTheClock() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusMillis(500));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();

            // The floor holds a token issued a minute ahead of the clock as it is now.
            fleet.records.actionsAbove(S1.plus(Duration.ofMinutes(1)).toEpochMilli() << 16);
            fleet.advanceTo(S1.plusSeconds(1));
            other.pause("w");
            WorkerRecord pause = fleet.records.state("w").toRecord();
            fleet.advanceTo(S2.minusSeconds(2));
            other.resume("w");                             // the real resume, 2 s before S2
            WorkerRecord resume = fleet.records.state("w").toRecord();
            fleet.records.kill(other);                     // the preferred node is gone

            fleet.advanceTo(S2.plusMillis(100));
            // Both events held up, each dated as the coordinations date it: when the record says it was made.
            n.events.pauseChanged("w", false, resume.pauseToken(), resume.pauseChangedAt());
            fleet.advanceTo(S2.plusMillis(200));
            n.events.pauseChanged("w", true, pause.pauseToken(), pause.pauseChangedAt());
            fleet.advanceTo(S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume (made at %s, its token dated %s); runs %s, claims lost %s, misfires %s",
                            resume.pauseChangedAt().orElseThrow(),
                            SlotState.Flags.madeAt(resume.pauseToken()).orElseThrow(), fleet.runs(),
                            fleet.recorder.claimsLost, fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        }
    }
}
