package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slot whose every execution dies (it kills the node running it) is re-run three times, then
 * passed by, on records kept as Hazelcast keeps them: a dead holder's run reads as running until a
 * claim takes it over.
 */
class ReRunBoundTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final StickyRecords records = new StickyRecords(time.clock());
    private final Recorder recorder = new Recorder();
    private BackgroundWorkerManager survivor;

    @AfterEach
    void close() {
        if (survivor != null) {
            survivor.close();
        }
    }

    /** Slot {@code slot} kills its first node and then the node of each of {@code reruns} re-runs. */
    private void diesEveryTime(Instant slot, ClaimRequest first, int reruns) {
        StickyRecords.Node node = records.node("dies-0");
        long fence = node.claim(first).orElseThrow().fencingToken();
        records.kill(node);
        for (int i = 1; i <= reruns; i++) {
            time.advance(Duration.ofSeconds(10));
            node = records.node("dies-" + i);
            fence = node.claim(ClaimRequest.rerun("w", slot, fence)).orElseThrow().fencingToken();
            records.kill(node);
        }
    }

    private void startSurvivor(Schedule schedule) {
        survivor = Baton.manager(records.node("survivor")).scheduler(time).listener(recorder).build();
        survivor.add(new TestWorker("w", schedule, WorkerOptions.defaults(), ctx -> { }));
        survivor.start();
        for (int i = 0; i < 12; i++) {
            time.advance(Duration.ofSeconds(10));
        }
    }

    /** A fixed-delay worker's only way past a dead run is to take it over: once re-runs are used up, it goes on. */
    @Test
    void aFixedDelayWorkerWhoseThreeReRunsDiedGoesOnWithTheSchedule() {
        Instant slot = time.now().plusSeconds(1);
        time.advance(Duration.ofSeconds(1));
        diesEveryTime(slot, ClaimRequest.chained("w", slot, Optional.empty()), WorkerRecord.MAX_RERUNS);

        startSurvivor(Schedule.fixedDelay(Duration.ofSeconds(10)));

        assertThat(recorder.results).as("the record: %s", records.state("w")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.kind()).isEqualTo(RunKind.SCHEDULED));
    }

    @Test
    void aFixedDelayWorkerWhoseReRunDiedReRunsTheSlotOnceMoreThenGoesOn() {
        Instant slot = time.now().plusSeconds(1);
        time.advance(Duration.ofSeconds(1));
        diesEveryTime(slot, ClaimRequest.chained("w", slot, Optional.empty()), WorkerRecord.MAX_RERUNS - 1);

        startSurvivor(Schedule.fixedDelay(Duration.ofSeconds(10)));

        assertThat(recorder.results).extracting(ExecutionResult::kind).hasSizeGreaterThan(1)
                .first().isEqualTo(RunKind.RERUN);
        assertThat(recorder.results.getFirst().slot()).isEqualTo(slot);
        assertThat(recorder.results.subList(1, recorder.results.size())).extracting(ExecutionResult::kind)
                .containsOnly(RunKind.SCHEDULED);
    }

    @Test
    void aFixedRateWorkerWhoseThreeReRunsDiedRunsItsNextSlot() {
        Schedule everyMinute = Schedule.fixedRate(Duration.ofSeconds(60));
        Instant slot = everyMinute.nextAfter(time.now()).orElseThrow();
        time.advance(Duration.between(time.now(), slot));
        diesEveryTime(slot, ClaimRequest.scheduled("w", slot), WorkerRecord.MAX_RERUNS);

        startSurvivor(everyMinute);

        assertThat(recorder.results).extracting(ExecutionResult::slot, ExecutionResult::kind)
                .containsExactly(tuple(slot.plusSeconds(60), RunKind.SCHEDULED),
                        tuple(slot.plusSeconds(120), RunKind.SCHEDULED));
    }
}
