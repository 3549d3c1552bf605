package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.SkewedClocks;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on a cluster clock that steps back five minutes while they run, as it does when the
 * third member of a cluster started by two (one of them five minutes ahead) is heard from: the
 * median moves to the third clock. Every worker keeps running about once a period; none waits for
 * the slot after the one its record holds, five minutes ahead.
 */
class ClockStepBackTest {

    private static final Duration AHEAD = Duration.ofMinutes(5);
    private static final int WORKERS = 10;

    private final ManualTime time = ManualTime.at(Harness.START);
    private final AtomicLong offset = new AtomicLong(AHEAD.toMillis());
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, offset), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Map<String, AtomicLong> nodeOffsets = new java.util.HashMap<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void everyWorkerKeepsRunningWhenTheClusterClockStepsBackAtAnyPointOfAPeriod() {
        startNodes();
        time.advance(Duration.ofSeconds(10));
        for (long phase : new long[] {0, 1, 250, 500, 999}) {
            time.advance(Duration.ofMillis(1_000 - Math.floorMod(cluster().toEpochMilli(), 1_000) + phase));
            offset.addAndGet(-AHEAD.toMillis());
            nodeOffsets.values().forEach(o -> o.addAndGet(-AHEAD.toMillis()));
            expectEveryWorkerRuns(phase + " ms into a period");
            // And forward again, as when the member whose clock is ahead becomes the median once more.
            offset.addAndGet(AHEAD.toMillis());
            nodeOffsets.values().forEach(o -> o.addAndGet(AHEAD.toMillis()));
            time.advance(Duration.ofSeconds(5));
        }
    }

    /**
     * Each member's estimate of the cluster clock moves when that member hears from the third one,
     * not all at once: for a moment nodes (and the members holding the records) disagree by minutes.
     */
    @Test
    void everyWorkerKeepsRunningWhenTheNodesSeeTheStepBackAtDifferentMoments() {
        startNodes();
        time.advance(Duration.ofSeconds(10));
        long[][] orders = {{0, 300, 1_500, 4_000}, {4_000, 0, 300, 1_500}, {1_500, 4_000, 0, 300},
                {300, 1_500, 4_000, 0}, {0, 2_000, 2_000, 700}};
        for (long[] delays : orders) {
            List<AtomicLong> clocks = List.of(offset, nodeOffsets.get("n1"), nodeOffsets.get("n2"), nodeOffsets.get("n3"));
            long start = time.now().toEpochMilli();
            for (long step : java.util.stream.LongStream.of(delays).sorted().distinct().toArray()) {
                time.advance(Duration.ofMillis(start + step - time.now().toEpochMilli()));
                for (int i = 0; i < delays.length; i++) {
                    if (delays[i] == step) {
                        clocks.get(i).addAndGet(-AHEAD.toMillis());
                    }
                }
            }
            expectEveryWorkerRuns("the step back seen after " + java.util.Arrays.toString(delays) + " ms");
            clocks.forEach(o -> o.addAndGet(AHEAD.toMillis()));
            time.advance(Duration.ofSeconds(5));
        }
    }

    private void expectEveryWorkerRuns(String after) {
        int before = recorder.results.size();
        time.advance(Duration.ofSeconds(20));
        Map<String, Long> runs = recorder.results.subList(before, recorder.results.size()).stream()
                .collect(Collectors.groupingBy(ExecutionResult::worker, Collectors.counting()));
        assertThat(runs).as("runs per worker in the 20 s after a step back at %s", after)
                .hasSize(WORKERS).allSatisfy((worker, n) -> assertThat(n).as(worker).isGreaterThanOrEqualTo(17));
    }

    private void startNodes() {
        for (String node : List.of("n1", "n2", "n3")) {
            AtomicLong own = new AtomicLong(AHEAD.toMillis());
            nodeOffsets.put(node, own);
            Coordination c = SkewedClocks.shifted(time, cluster.node(node), own);
            BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, own))
                    .listener(recorder).build();
            for (int i = 0; i < WORKERS; i++) {
                m.add(new TestWorker("drill-" + i, Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
            }
            m.start();
            managers.add(m);
        }
    }

    private Instant cluster() {
        return time.now().plusMillis(offset.get());
    }
}
