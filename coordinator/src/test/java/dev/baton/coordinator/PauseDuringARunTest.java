package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.EVERY_5S;
import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static dev.baton.coordinator.support.FiveSecondSlots.S2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.coordinator.support.TestWorker;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node learns a worker's pause state from events and from the record its run's completion
 * returns; the two can arrive in either order, and the newer must stand.
 */
class PauseDuringARunTest {

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

    /** Starts "w" on N, preferred, and waits until its run of S1 has started (it runs until released). */
    private void runningS1() throws InterruptedException {
        n.roles.put("w", ClaimRole.PREFERRED);
        manager = Baton.manager(n).scheduler(fleet.time).listener(fleet.recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
        }));
        manager.start();
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
}
