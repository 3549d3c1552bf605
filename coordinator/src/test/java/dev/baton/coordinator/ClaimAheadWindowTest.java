package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.LogCapture;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What happens between a wake-up ahead of a slot and the slot's instant (found by a review of the claim ahead). */
class ClaimAheadWindowTest {

    private static final Schedule EVERY_10S = Schedule.fixedRate(Duration.ofSeconds(10));
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    @Test
    void aResumeBetweenTheWakeUpAndTheInstantRunsTheSlot() {
        Harness h = harness();
        h.manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        h.manager.start();
        h.advanceTo("00:00:05");
        h.manager.pause("report");
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(50)));
        h.manager.resume("report");
        h.advanceTo("00:00:15");

        assertThat(h.recorder.slots("report")).as("slot 00:00:10 fell 50 ms after the resume").contains(at("00:00:10"));
    }

    @Test
    void aResumeHeardLateNeverStartsARunBeforeItsInstant() {
        ManualTime time = ManualTime.at(Harness.START);
        InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(30));
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        Coordination ops = cluster.node("ops");
        Recorder recorder = new Recorder();
        BackgroundWorkerManager manager = Baton.manager(n1).scheduler(time).listener(recorder).build();
        toClose.add(manager);
        manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        manager.start();
        time.advance(Duration.between(time.now(), at("00:00:05")));
        ops.pause("report");
        time.advance(Duration.between(time.now(), at("00:00:09.700")));
        // This node still takes the worker for paused when it wakes ahead of the slot.
        n1.holdPauseEvents = true;
        ops.resume("report");
        time.advance(Duration.between(time.now(), at("00:00:10.300")));

        assertThat(recorder.starts).isNotEmpty()
                .allSatisfy(s -> assertThat(s.startedAt()).as("start of slot %s", s.slot()).isEqualTo(s.slot()));
    }

    @Test
    void aWorkerRemovedAfterItsSlotWasClaimedRunsThatSlotAtItsInstantAndNoOther() {
        Harness h = harness();
        h.manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        h.manager.start();
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(50)));

        assertThat(h.manager.remove("report")).isTrue();
        h.advanceTo("00:00:30");

        assertThat(h.recorder.starts).singleElement().satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
        assertThat(h.cluster.node("n1").read("report").orElseThrow().running()).isFalse();
    }

    @Test
    void aCloseWhoseGraceEndsBeforeTheInstantGivesTheClaimBackWithoutStartingIt() {
        Harness h = new Harness();
        h.manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        h.manager.start();
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(50)));

        try (LogCapture log = LogCapture.of("dev.baton.coordinator.internal.WorkerManager", Level.WARN)) {
            // Manual time stands still: the grace (2 s, real time) ends before the instant.
            h.close();
            assertThat(log.events()).noneMatch(e -> e.getFormattedMessage().contains("ignored the interrupt"));
        }
        assertThat(h.recorder.starts).isEmpty();
        WorkerRecord left = h.cluster.node("x").read("report").orElseThrow();
        assertThat(left.running()).as("no lease left held after close").isFalse();
        assertThat(left.lastOutcome()).as("given back unfinished, for a re-run elsewhere").contains(Outcome.INTERRUPTED);
    }

    @Test
    void anErrorAtAWakeUpAheadIsTriedAgainAtTheNextSlotNotAtOnce() {
        ManualTime time = ManualTime.at(Harness.START);
        InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(30));
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        BackgroundWorkerManager manager = Baton.manager(n1).scheduler(time).build();
        toClose.add(manager);
        manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        manager.start();
        time.advance(Duration.between(time.now(), at("00:00:09.800")));
        n1.failNext.set(1_000);
        time.advance(Duration.between(time.now(), at("00:00:10.500")));

        assertThat(1_000 - n1.failNext.get()).as("claims tried for slot 00:00:10, each an ERROR").isEqualTo(1);
    }

    @Test
    void theLongestLeadDoesNotTakeEachWakeUpForAClockThatMovedBack() throws Exception {
        Recorder recorder = new Recorder();
        try (LogCapture log = LogCapture.of("dev.baton.coordinator.internal.PeriodicEntry", Level.INFO)) {
            BackgroundWorkerManager manager = Baton.manager(InMemoryCoordination.standalone()).listener(recorder)
                    .claimAhead(Baton.MAX_CLAIM_AHEAD).build();
            toClose.add(manager);
            manager.add(new TestWorker("fast", Schedule.fixedRate(Duration.ofSeconds(2)), ctx -> { }));
            manager.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.results.size() >= 2);
            assertThat(log.events()).noneMatch(e -> e.getFormattedMessage().contains("the cluster clock moved back"));
            assertThat(recorder.starts).allSatisfy(s -> assertThat(s.startedAt()).isAfterOrEqualTo(s.slot()));
        }
    }

    @Test
    void anErrorInATriggeredClaimLosesNoRegularSlot() {
        ManualTime time = ManualTime.at(Harness.START);
        InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(30));
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        Recorder recorder = new Recorder();
        BackgroundWorkerManager manager = Baton.manager(n1).scheduler(time).listener(recorder).build();
        toClose.add(manager);
        manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        manager.start();
        time.advance(Duration.between(time.now(), at("00:00:05")));
        n1.failNext.set(1);
        manager.trigger("report");
        time.settle();
        time.advance(Duration.between(time.now(), at("00:00:15")));

        assertThat(recorder.slots("report")).contains(at("00:00:10"));
    }

    @Test
    void aCloseWhoseGraceEndsMomentsBeforeTheInstantGivesTheClaimBack() {
        Harness h = new Harness();
        h.manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        h.manager.start();
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(30)));
        assertThat(h.cluster.node("x").read("report").orElseThrow().running()).isTrue();

        try (LogCapture log = LogCapture.of("dev.baton.coordinator.internal.WorkerManager", Level.WARN)) {
            h.close();
            assertThat(log.events()).noneMatch(e -> e.getFormattedMessage().contains("ignored the interrupt"));
        }
        WorkerRecord left = h.cluster.node("x").read("report").orElseThrow();
        assertThat(left.running()).isFalse();
        assertThat(left.lastOutcome()).contains(Outcome.INTERRUPTED);
    }

    @Test
    void aCloseMomentsBeforeTheInstantWithNothingClaimedIsPrompt() {
        Harness h = harness();
        h.manager.add(new TestWorker("report", EVERY_10S, ctx -> { }));
        h.manager.start();
        h.advanceTo("00:00:05");
        h.manager.pause("report");
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(30)));

        long started = System.nanoTime();
        try (LogCapture log = LogCapture.of("dev.baton.coordinator.internal.WorkerManager", Level.WARN)) {
            h.manager.close();
            assertThat(log.events()).noneMatch(e -> e.getFormattedMessage().contains("still wait on the cluster"));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aCatchUpThatEndsAfterTheWakeUpAheadClaimsTheNextSlotAheadWithoutSpinning() throws Exception {
        ManualTime time = ManualTime.at(Harness.START);
        InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(30));
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        n1.roles.put("w", ClaimRole.STANDBY);
        Recorder recorder = new Recorder();
        CountDownLatch release = new CountDownLatch(1);
        BackgroundWorkerManager manager = Baton.manager(n1).scheduler(time).listener(recorder).build();
        toClose.add(manager);
        manager.add(new TestWorker("w", EVERY_10S, ctx -> {
            if (ctx.scheduledAt().equals(at("00:00:10"))) {
                release.await();
            }
        }));
        manager.start();
        time.advance(Duration.between(time.now(), at("00:00:12")));
        assertThat(recorder.starts).as("slot 10 passed as standby").isEmpty();
        n1.roles.put("w", ClaimRole.PREFERRED);
        n1.events.rebalanced();
        time.advance(Duration.ofMillis(100));
        assertThat(recorder.starts).as("slot 10 caught up").singleElement()
                .satisfies(s -> assertThat(s.slot()).isEqualTo(at("00:00:10")));

        // The catch-up still runs when slot 20's wake-up ahead comes, and ends before the instant.
        time.advance(Duration.between(time.now(), at("00:00:19.950")));
        int readsBefore = n1.reads.get();
        release.countDown();
        time.settle();

        assertThat(n1.reads.get() - readsBefore).as("record reads while time stands before the instant").isLessThan(5);
        time.advance(Duration.between(time.now(), at("00:00:20")));
        assertThat(recorder.starts).filteredOn(s -> s.slot().equals(at("00:00:20"))).singleElement()
                .satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:20")));
    }

    private Harness harness() {
        Harness h = new Harness();
        toClose.add(h);
        return h;
    }

}
