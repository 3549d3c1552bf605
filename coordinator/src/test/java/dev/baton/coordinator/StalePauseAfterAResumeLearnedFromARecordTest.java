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
import dev.baton.worker.RunKind;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A node learns the last resume from a record (its first read at start, a run's record), after the resume
 * was made; the older pause's event reaches it afterwards (its node announced it with its next
 * session). The pause ended at the resume, before a slot that fell before the node learned of it: that
 * slot is the resumed worker's, and the node stepping in for a gone preferred node must run it
 * (from review s37c). The code before pause tokens ran it.
 */
class StalePauseAfterAResumeLearnedFromARecordTest {

    /**
     * Paused at S1 + 1 s, resumed at S2 - 2 s (another node's actions; the resume's event went out
     * before N joined). S2 falls after the resume and nobody runs it (its preferred node is gone).
     * N starts at S2 + 100 ms stepping in for w; its first read shows the resume. The pause's event,
     * held up, arrives at S2 + 200 ms, before N's look at S2.
     */
    @Test
    void aSlotAfterTheResumeRunsWhenTheNodeLearnedTheResumeOnlyFromItsFirstRead() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusSeconds(1));
            other.pause("w");
            long pause = fleet.records.state("w").toRecord().pauseToken();
            fleet.advanceTo(S2.minusSeconds(2));
            other.resume("w");                             // the real resume, 2 s before S2
            fleet.records.kill(other);                     // the preferred node is gone

            fleet.advanceTo(S2.plusMillis(100));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();
            assertThat(n.reads.get()).as("N read the record at start").isPositive();

            fleet.advanceTo(S2.plusMillis(200));
            n.events.pauseChanged("w", true, pause, Optional.empty());       // the pause, held up, comes after N started
            fleet.advanceTo(S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume; runs %s, claims lost %s, misfires %s", fleet.runs(),
                            fleet.recorder.claimsLost, fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        }
    }

    /**
     * The same on a node that has run for a while: N steps in for w, hears neither action's event on
     * time, and learns the resume (made at S2 - 2 s) from the record of a triggered run that ends at
     * S2 + 200 ms; the resume's event and then the older pause's arrive right after it, before N's
     * look at S2 (due during the run). S2 fell after the resume: N must run it.
     */
    @Test
    void aSlotAfterTheResumeRunsWhenTheNodeLearnedTheResumeFromARunsRecord() throws Exception {
        FiveSecondSlots fleet = new FiveSecondSlots();
        CountDownLatch triggeredRunGoesOn = new CountDownLatch(1);
        AtomicBoolean delivered = new AtomicBoolean();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            fleet.advanceTo(S1);
            other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(S1.plusMillis(500));
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> {
                if (ctx.runKind() == RunKind.TRIGGERED) {
                    triggeredRunGoesOn.await(10, TimeUnit.SECONDS);
                }
            });
            fleet.time.settle();

            fleet.advanceTo(S1.plusSeconds(1));
            other.pause("w");
            long pause = fleet.records.state("w").toRecord().pauseToken();
            fleet.advanceTo(S2.minusSeconds(2));
            other.resume("w");                             // the real resume, 2 s before S2
            long resume = fleet.records.state("w").toRecord().pauseToken();
            fleet.records.kill(other);                     // the preferred node is gone

            fleet.advanceTo(S2.minusSeconds(1));
            n.trigger("w");                                // an operator asks N for an extra run
            fleet.await("the triggered run started", () -> n.held.get() == 1);
            fleet.advanceTo(S2.plusMillis(200));
            // S2's wake-up came during the run: N looks at S2 once it ends, reading the record first.
            // The two events arrive in between: the resume's, late, then the older pause's.
            n.afterNextRead.set(() -> {
                n.events.pauseChanged("w", false, resume, Optional.empty());
                n.events.pauseChanged("w", true, pause, Optional.empty());
                delivered.set(true);
            });
            triggeredRunGoesOn.countDown();                // it ends; its record shows the resume
            fleet.await("the triggered run ended", () -> !fleet.recorder.results.isEmpty());
            fleet.advanceTo(S2.plusSeconds(4));
            assertThat(delivered).as("the events arrived between the run's end and the look at S2").isTrue();

            assertThat(fleet.records.state("w").lastSlot())
                    .as("S2 fell 2 s after the resume; runs %s, claims lost %s, misfires %s", fleet.runs(),
                            fleet.recorder.claimsLost, fleet.recorder.misfires)
                    .isEqualTo(S2.toEpochMilli());
        } finally {
            triggeredRunGoesOn.countDown();
        }
    }
}
