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
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An operator node pauses at S1 + 1 s and resumes 2 s before S2; the preferred node is gone; both
 * events are held up (announced with their nodes' next sessions, or slow on their way) and reach N,
 * stepping in, just after S2. S2 fell after the real resume and must run, whatever order the events
 * arrive in and whatever their tokens say: each is dated by when its action was made, as the record
 * says, not by its arrival. Dated by the arrival, N took S2 for a slot of the pause and never ran it
 * (reviews s37d, s37e, s38b).
 */
class LateHeldUpPauseEventsTest {

    @Test
    void aSlotAfterTheResumeRunsWhenTheResumesEventComesFirstAndTheOlderPausesAfterIt() {
        assertS2Ran(false, false);
    }

    /** A session's log reaches a member in order: the order the events of one operator node always have. */
    @Test
    void aSlotAfterTheResumeRunsWhenThePauseAndResumeEventsArriveInTheirOrder() {
        assertS2Ran(true, false);
    }

    /**
     * The actions' tokens issued above a fence floor a minute ahead of the clock (a member whose clock
     * ran fast has left; HzCoordination.flag issues max(floor + 1, now)): their time parts lie ahead.
     */
    @Test
    void aSlotAfterTheResumeRunsWhenTheActionsTokensLieAheadOfTheClock() {
        assertS2Ran(false, true);
    }

    private static void assertS2Ran(boolean inOrder, boolean raisedFloor) {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            StickyRecords.Node ops = fleet.records.node("ops");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusMillis(500));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();

            if (raisedFloor) {
                fleet.records.actionsAbove(S1.plus(Duration.ofMinutes(1)).toEpochMilli() << 16);
            }
            fleet.advanceTo(S1.plusSeconds(1));
            ops.pause("w");
            WorkerRecord pause = fleet.records.state("w").toRecord();
            fleet.advanceTo(S2.minusSeconds(2));
            ops.resume("w");                               // the real resume, 2 s before S2
            WorkerRecord resume = fleet.records.state("w").toRecord();
            fleet.records.kill(other);                     // the preferred node is gone

            WorkerRecord first = inOrder ? pause : resume;
            WorkerRecord second = inOrder ? resume : pause;
            fleet.advanceTo(S2.plusMillis(100));
            n.events.pauseChanged("w", first.paused(), first.pauseToken(), first.pauseChangedAt());
            fleet.advanceTo(S2.plusMillis(200));
            n.events.pauseChanged("w", second.paused(), second.pauseToken(), second.pauseChangedAt());
            fleet.advanceTo(S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume (made at %s); runs %s, claims lost %s, misfires %s",
                            resume.pauseChangedAt().orElseThrow(), fleet.runs(), fleet.recorder.claimsLost,
                            fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        }
    }
}
