package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.EVERY_5S;
import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static dev.baton.coordinator.support.FiveSecondSlots.S3;
import static dev.baton.coordinator.support.FiveSecondSlots.S4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node learns a worker's pause state from events and from the records it reads (at start, after
 * a run); the two can arrive in either order, and an event can be lost: the newer must stand.
 */
class PauseStateOnANodeTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();
    private final ScriptedCoordination n = new ScriptedCoordination(fleet.records.node("n"));
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        release.countDown();
        if (manager != null) {
            manager.close();
        }
    }

    /** Starts "w" on N in {@code role}; each run lasts until released. */
    private void startN(ClaimRole role) {
        n.roles.put("w", role);
        manager = Baton.manager(n).scheduler(fleet.time).listener(fleet.recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
        }));
        manager.start();
    }

    /** Starts "w" on N, preferred, and waits until its run of S1 has started. */
    private void runningS1() throws InterruptedException {
        startN(ClaimRole.PREFERRED);
        fleet.advanceTo(S1);
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    }

    private void finishS1() throws InterruptedException {
        release.countDown();
        fleet.await("S1 finished", () -> !fleet.recorder.results.isEmpty());
    }

    private WorkerInfo.WorkerState state() {
        return manager.list().get(0).state();
    }

    /**
     * Paused during the run; the resume's event arrives after the completion returned the record
     * (which says paused) and before the node handled it: the node stays resumed, and runs S2.
     */
    @Test
    void aResumeEventHandledBeforeTheRunsRecordIsNotUndoneByIt() throws InterruptedException {
        runningS1();
        n.pause("w");
        n.events.pauseChanged("w", true);
        n.afterNextCompletion.set(() -> {
            n.resume("w");
            n.events.pauseChanged("w", false);
        });

        finishS1();

        assertThat(fleet.records.state("w").toRecord().paused()).isFalse();
        assertThat(state()).isNotEqualTo(WorkerInfo.WorkerState.PAUSED);
        fleet.advanceTo(S2.plusMillis(100));
        fleet.await("S2 run", () -> fleet.recorder.results.stream().anyMatch(r -> r.slot().equals(S2)));
    }

    /** Paused during the run without an event reaching this node: the run's record tells it. */
    @Test
    void aPauseWhoseEventNeverCameIsLearnedFromTheRunsRecord() throws InterruptedException {
        runningS1();
        n.pause("w");

        finishS1();

        assertThat(state()).isEqualTo(WorkerInfo.WorkerState.PAUSED);
    }

    /**
     * During N's run of S1 the worker is paused (the event reaches N) and resumed again (that event
     * is lost). The completion's record, newer than both, says resumed, and N, a standby from then on
     * (the balance moved), reads no other run's record: it learns the resume from a read after the
     * run, since an event came during it.
     */
    @Test
    void aResumeWhoseEventWasLostIsLearnedFromTheRunsRecordAlsoAfterAPauseEventCameDuringTheRun()
            throws InterruptedException {
        runningS1();
        n.pause("w");
        n.events.pauseChanged("w", true);
        n.resume("w");
        n.afterNextCompletion.set(() -> n.roles.put("w", ClaimRole.STANDBY));

        release.countDown();
        fleet.await("S1 finished", () -> !fleet.recorder.results.isEmpty());
        fleet.advanceTo(S3.plusSeconds(1));

        assertThat(fleet.records.state("w").toRecord().paused()).isFalse();
        assertThat(state()).isNotEqualTo(WorkerInfo.WorkerState.PAUSED);
    }

    /**
     * The record says paused when N starts; right after N's first read returned it (before N
     * handled it), another node resumes the worker and the resume's event reaches N: the older
     * record does not undo the event (N, a standby, would show the worker paused for good, its
     * standby watch off).
     */
    @Test
    void aResumeEventHandledWhileTheFirstReadWasOnItsWayIsNotUndoneByThatRecord() {
        StickyRecords.Node other = fleet.records.node("other");
        other.pause("w");
        n.afterNextRead.set(() -> {
            other.resume("w");
            n.events.pauseChanged("w", false);
        });
        startN(ClaimRole.STANDBY);
        fleet.advanceTo(S3.plusSeconds(1));

        assertResumedAfterTheFirstRead();
    }

    /**
     * Another node paused "w" and a third resumed it; the record says resumed. The pause's event
     * (held up on its way) reaches N, a standby, while N's first read is on its way: a read after
     * the event settles it, so N neither shows "w" paused nor forgets the slots it passes, and
     * catches up the slot its preferred node left behind once it is preferred (from the third review).
     */
    @Test
    void aLatePauseEventWhileTheFirstReadWasOnItsWayIsSettledByAReadAfterIt() {
        pausedAndResumedElsewhere();
        n.afterNextRead.set(() -> n.events.pauseChanged("w", true));
        startN(ClaimRole.STANDBY);
        fleet.advanceTo(S3.plusSeconds(1));

        assertResumedAfterTheFirstRead();
        release.countDown();
        n.roles.put("w", ClaimRole.PREFERRED);
        n.events.rebalanced();
        fleet.time.settle();
        fleet.advanceTo(S4.minusMillis(500));
        fleet.assertRanOrReported(S3);
    }

    /**
     * One operator pauses "w" on one node and another resumes it on a third; their events reach N,
     * a standby, in the other order. The resume came last (its token is the higher): N shows "w"
     * resumed (and keeps its standby watch on) rather than paused until it next reads the record.
     */
    @Test
    void twoOperatorsEventsArrivingInTheOtherOrderLeaveTheLaterActionStanding() {
        startN(ClaimRole.STANDBY);
        fleet.advanceTo(S1.plusSeconds(1));
        StickyRecords.Node other = fleet.records.node("other");
        other.pause("w");
        long pause = fleet.records.state("w").toRecord().pauseToken();
        other.resume("w");
        long resume = fleet.records.state("w").toRecord().pauseToken();

        n.events.pauseChanged("w", false, resume, Optional.empty());
        n.events.pauseChanged("w", true, pause, Optional.empty());

        assertThat(state()).isNotEqualTo(WorkerInfo.WorkerState.PAUSED);
    }

    /** Another node pauses "w" and resumes it: the record says resumed. */
    private StickyRecords.Node pausedAndResumedElsewhere() {
        StickyRecords.Node other = fleet.records.node("other");
        other.pause("w");
        other.resume("w");
        return other;
    }

    private void assertResumedAfterTheFirstRead() {
        assertThat(n.afterNextRead.get()).as("the read happened").isNull();
        assertThat(fleet.records.state("w").toRecord().paused()).isFalse();
        assertThat(state()).isNotEqualTo(WorkerInfo.WorkerState.PAUSED);
    }

    private void slotLeftBeforeStart(boolean latePauseEvent) {
        StickyRecords.Node other = pausedAndResumedElsewhere();
        fleet.advanceTo(S1);
        other.claim(ClaimRequest.scheduled("w", S1)).orElseThrow().complete(Outcome.SUCCEEDED);
        fleet.advanceTo(S2.plusMillis(500));
        if (latePauseEvent) {
            n.afterNextRead.set(() -> n.events.pauseChanged("w", true));
        }
        startN(ClaimRole.STEP_IN);
        fleet.advanceTo(S2.plusSeconds(4));
    }

    /** No late event: N, stepping in, claims S2 (its node gone), which fell just before N started. */
    @Test
    void aStepInNodeRunsTheSlotThatFellJustBeforeItStarted() {
        slotLeftBeforeStart(false);
        assertThat(fleet.records.state("w").lastSlot()).as("S2 claimed").isEqualTo(S2.toEpochMilli());
    }

    /**
     * As above, but the old pause event reaches N while its first read is on its way: the read
     * after it, which says resumed, is no resume now, so S2 does not count as fallen during a pause
     * (a version that took it as one skipped S2, neither run nor reported).
     */
    @Test
    void aLatePauseEventAtStartDoesNotMakeTheSlotBeforeStartAPausedOne() {
        slotLeftBeforeStart(true);
        assertThat(n.afterNextRead.get()).as("the read happened").isNull();
        assertThat(fleet.records.state("w").lastSlot()).as("S2 claimed").isEqualTo(S2.toEpochMilli());
    }
}
