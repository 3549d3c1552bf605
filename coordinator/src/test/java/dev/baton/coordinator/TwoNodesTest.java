package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two managers on one in-memory cluster: each slot once, workers spread, hand-over on close. */
class TwoNodesTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final Recorder recorder = new Recorder();
    private final BackgroundWorkerManager n1 = manager("n1");
    private final BackgroundWorkerManager n2 = manager("n2");

    private BackgroundWorkerManager manager(String id) {
        return Baton.manager(cluster.node(id)).scheduler(time).listener(recorder).build();
    }

    @AfterEach
    void close() {
        n1.close();
        n2.close();
    }

    @Test
    void eachSlotRunsOnceAndTheWorkersSpreadOverBothNodes() {
        for (int i = 0; i < 20; i++) {
            n1.add(every10s("w" + i));
            n2.add(every10s("w" + i));
        }
        n1.start();
        n2.start();

        time.advance(Duration.ofSeconds(60));

        Map<String, Long> perWorker = recorder.results.stream()
                .collect(Collectors.groupingBy(r -> r.worker() + "@" + r.slot(), Collectors.counting()));
        assertThat(perWorker).hasSize(20 * 6).allSatisfy((slot, runs) -> assertThat(runs).as(slot).isEqualTo(1));
        Map<String, Long> perNode = recorder.results.stream()
                .collect(Collectors.groupingBy(ExecutionResult::nodeId, Collectors.counting()));
        assertThat(perNode.keySet()).containsExactlyInAnyOrder("n1", "n2");
        assertThat(recorder.claimsLost).as("standby nodes do not even try").isEmpty();
    }

    @Test
    void whenOneNodeClosesTheOtherRunsTheNextSlotsOnTime() {
        for (int i = 0; i < 10; i++) {
            n1.add(every10s("w" + i));
            n2.add(every10s("w" + i));
        }
        n1.start();
        n2.start();
        time.advance(Duration.ofSeconds(24));

        n1.close();
        time.advance(Duration.ofSeconds(26));

        List<ExecutionResult> afterClose = recorder.results.stream()
                .filter(r -> r.slot().isAfter(Harness.at("00:00:30").minusMillis(1))).toList();
        assertThat(afterClose).hasSize(10 * 3).allSatisfy(r -> {
            assertThat(r.nodeId()).isEqualTo("n2");
            assertThat(r.startLateness()).isZero();
        });
        Map<Instant, Long> perSlot = afterClose.stream().collect(Collectors.groupingBy(ExecutionResult::slot,
                Collectors.counting()));
        assertThat(perSlot.values()).containsOnly(10L);
    }

    @Test
    void aWorkerRemovedFromItsPreferredNodeMovesToTheOther() {
        n1.add(every10s("solo"));
        n2.add(every10s("solo"));
        n1.start();
        n2.start();
        time.advance(Duration.ofSeconds(7));
        String runner = recorder.results.getFirst().nodeId();

        (runner.equals("n1") ? n1 : n2).remove("solo");
        time.advance(Duration.ofSeconds(20));

        assertThat(recorder.results).extracting(ExecutionResult::nodeId)
                .containsExactly(runner, other(runner), other(runner));
    }

    private static String other(String node) {
        return node.equals("n1") ? "n2" : "n1";
    }

    private static TestWorker every10s(String name) {
        return new TestWorker(name, Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { });
    }

}
