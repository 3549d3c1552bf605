package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slots on manual time: nothing here sleeps. */
class SchedulingTest {

    private final Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void aFixedRateWorkerRunsAtEverySlot() {
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.manager.start();

        h.advanceTo("00:01:00");

        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"),
                at("00:00:40"), at("00:00:50"), at("00:01:00"));
        assertThat(h.recorder.starts).allSatisfy(s -> assertThat(s.startLateness()).isZero());
    }

    @Test
    void fixedDelayCountsFromTheCompletionAndFixedRateFromTheEpoch() throws Exception {
        Gate delayGate = new Gate();
        Gate rateGate = new Gate();
        h.manager.add(new TestWorker("delay", Schedule.fixedDelay(Duration.ofSeconds(10)),
                WorkerOptions.defaults().withInitialDelay(Duration.ofSeconds(7)), ctx -> {
                    if (ctx.scheduledAt().equals(at("00:00:10"))) {
                        delayGate.pass();
                    }
                }));
        h.manager.add(new TestWorker("rate", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            if (ctx.scheduledAt().equals(at("00:00:10"))) {
                rateGate.pass();
            }
        }));
        h.manager.start();

        h.advanceTo("00:00:10");
        delayGate.awaitEntered();
        rateGate.awaitEntered();
        h.advanceTo("00:00:13");
        delayGate.open();
        rateGate.open();
        h.awaitThen(() -> h.recorder.results.size() == 2);
        h.advanceTo("00:00:40");

        // Each run of "delay" took 3 s for the first, 0 s after: due 10 s after each completion.
        assertThat(h.recorder.slots("delay")).containsExactly(at("00:00:10"), at("00:00:23"), at("00:00:33"));
        assertThat(h.recorder.slots("rate")).containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"),
                at("00:00:40"));
    }

    @Test
    void missedSlotsAreCoalescedIntoOneRunByDefault() throws Exception {
        Gate gate = new Gate();
        h.manager.add(new TestWorker("slow", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            if (ctx.scheduledAt().equals(at("00:00:10"))) {
                gate.pass();
            }
        }));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        h.advanceTo("00:00:45");
        gate.open();
        h.awaitThen(() -> h.recorder.results.size() == 2);
        h.advanceTo("00:00:50");

        assertThat(h.recorder.slots("slow")).containsExactly(at("00:00:10"), at("00:00:40"), at("00:00:50"));
        assertThat(h.recorder.starts.get(1).startedAt()).isEqualTo(at("00:00:45"));
        assertThat(h.recorder.misfires).containsExactly(
                new Recorder.Misfire("slow", at("00:00:20"), at("00:00:40"), 3, MisfirePolicy.COALESCE));
    }

    @Test
    void missedSlotsAreSkippedWhenTheWorkerSaysSo() throws Exception {
        Gate gate = new Gate();
        h.manager.add(new TestWorker("slow", Schedule.fixedRate(Duration.ofSeconds(10)),
                WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP), ctx -> {
                    if (ctx.scheduledAt().equals(at("00:00:10"))) {
                        gate.pass();
                    }
                }));
        h.manager.start();
        h.advanceTo("00:00:10");
        gate.awaitEntered();

        h.advanceTo("00:00:45");
        gate.open();
        h.awaitThen(() -> h.recorder.results.size() == 1);
        h.advanceTo("00:00:50");

        assertThat(h.recorder.slots("slow")).containsExactly(at("00:00:10"), at("00:00:50"));
        assertThat(h.recorder.misfires).containsExactly(
                new Recorder.Misfire("slow", at("00:00:20"), at("00:00:40"), 3, MisfirePolicy.SKIP));
    }

    @Test
    void aCronWorkerRunsAtItsCronSlots() {
        h.manager.add(new TestWorker("cron", Schedule.cron("15,45 * * * * ?", java.time.ZoneOffset.UTC, dev.baton.worker.CronDialect.QUARTZ), ctx -> { }));
        h.manager.start();

        h.advanceTo("00:02:00");

        assertThat(h.recorder.slots("cron")).containsExactly(at("00:00:15"), at("00:00:45"), at("00:01:15"),
                at("00:01:45"));
    }

    @Test
    void aWorkerAddedAfterAnEarlierRunPicksUpFromTheClustersRecord() {
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.manager.start();
        h.advanceTo("00:00:30");
        h.manager.remove("report");

        // Down for a while; added again: the missed slots coalesce into one run now.
        h.advanceTo("00:01:05");
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.time.tick();
        h.advanceTo("00:01:10");

        List<ExecutionResult> results = h.recorder.results;
        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"),
                at("00:01:00"), at("00:01:10"));
        assertThat(results.get(3).startedAt()).isEqualTo(at("00:01:05"));
    }
}
