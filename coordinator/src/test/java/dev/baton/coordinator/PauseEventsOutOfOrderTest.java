package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A pause event a node takes for older than what it knows (its resume came first, or a record told
 * the resume) still marks the slots of that pause as none to catch up (from review s37).
 */
class PauseEventsOutOfOrderTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofMillis(1_500));

    private void drive(Duration total) {
        for (long ms = 0; ms < total.toMillis(); ms += 100) {
            time.advance(Duration.ofMillis(100));
        }
    }

    private BackgroundWorkerManager runningEvery10s(Coordination node, String id, List<String> runs) {
        BackgroundWorkerManager m = Baton.manager(node).scheduler(time).build();
        m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                ctx -> runs.add(ctx.scheduledAt() + " " + ctx.runKind() + " on " + id)));
        m.start();
        return m;
    }

    /**
     * An operator pauses w on n1 at 45 s, another resumes it on n3 at 52 s; slot 50 falls in between
     * and the preferred node n1 skips it. Both events reach the standby n2 late and in the other order
     * (two sessions' logs are not ordered): the resume first, then the pause. The pause is older than
     * the resume and leaves n2 resumed, but it still clears the slot n2 passed while the worker was
     * (unbeknown to n2) paused: else n2's watch finds nobody ran slot 50 and, 50 being the current
     * slot, runs it after the resume, while slots that fall during a pause are never caught up.
     */
    @Test
    void aSlotThatFellDuringAPauseIsNotCaughtUpWhenThePauseEventArrivesAfterTheResume() {
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        ScriptedCoordination n2 = new ScriptedCoordination(cluster.node("n2"));
        ScriptedCoordination n3 = new ScriptedCoordination(cluster.node("n3"));
        n1.roles.put("w", ClaimRole.PREFERRED);
        n2.roles.put("w", ClaimRole.STANDBY);
        n3.roles.put("w", ClaimRole.STANDBY);
        List<String> runs = new CopyOnWriteArrayList<>();
        BackgroundWorkerManager m1 = runningEvery10s(n1, "n1", runs);
        BackgroundWorkerManager m2 = runningEvery10s(n2, "n2", runs);
        BackgroundWorkerManager m3 = runningEvery10s(n3, "n3", runs);
        try {
            drive(Duration.ofSeconds(42));            // 45 s: slots 10-40 ran on n1
            assertThat(runs).anyMatch(r -> r.startsWith("2026-01-01T00:00:40Z"));
            n2.holdPauseEvents = true;
            m1.pause("w");
            drive(Duration.ofSeconds(7));             // 52 s: slot 50 fell while paused; n1 skipped it
            m3.resume("w");
            assertThat(n2.heldPauseEvents).hasSize(2);
            n2.deliverHeldPauseEventsInReverse();     // the resume reaches n2 first, then the pause
            assertThat(m2.list().get(0).state()).isNotEqualTo(WorkerInfo.WorkerState.PAUSED);
            drive(Duration.ofSeconds(15));            // 67 s
        } finally {
            m1.close();
            m2.close();
            m3.close();
        }
        assertThat(runs).as("runs after the resume go on from slot 60: %s", runs)
                .anyMatch(r -> r.startsWith("2026-01-01T00:01:00Z"))
                .noneMatch(r -> r.startsWith("2026-01-01T00:00:50Z"));
    }

    /**
     * The worker is paused before S2 and resumed just after it (another node's actions; S2 fell during
     * the pause and nobody ran it). N starts then, stepping in for the worker; its first read already
     * shows the resume and its token. The two events then reach N, in order, before its look at S2.
     * The pause is older than the token learned from the record; if it were dropped, the resume would
     * find N not paused and not stamp the resume: S2 would not count as fallen during the pause, and
     * N would run it.
     */
    @Test
    void eventsArrivingInOrderAfterARecordShowedTheResumeStillMarkTheSlotsOfThePause() {
        FiveSecondSlots fleet = new FiveSecondSlots();
        try (fleet) {
            StickyRecords.Node other = fleet.records.node("other");
            fleet.advanceTo(FiveSecondSlots.S1);
            other.claim(ClaimRequest.scheduled("w", FiveSecondSlots.S1)).orElseThrow().complete(Outcome.SUCCEEDED);
            fleet.advanceTo(FiveSecondSlots.S2.minusSeconds(1));
            other.pause("w");
            long pause = fleet.records.state("w").toRecord().pauseToken();
            fleet.advanceTo(FiveSecondSlots.S2.plusMillis(100));
            other.resume("w");
            long resume = fleet.records.state("w").toRecord().pauseToken();
            ScriptedCoordination n = fleet.start(fleet.records.node("n"), ClaimRole.STEP_IN, ctx -> { });
            fleet.time.settle();
            assertThat(n.reads.get()).as("N read the record at start").isPositive();

            n.events.pauseChanged("w", true, pause, Optional.empty());
            n.events.pauseChanged("w", false, resume, Optional.empty());
            fleet.advanceTo(FiveSecondSlots.S2.plusSeconds(4));

            assertThat(fleet.records.state("w").lastSlot()).as("S2, which fell during the pause, is not claimed; runs %s",
                    fleet.runs()).isEqualTo(FiveSecondSlots.S1.toEpochMilli());
        }
    }
}
