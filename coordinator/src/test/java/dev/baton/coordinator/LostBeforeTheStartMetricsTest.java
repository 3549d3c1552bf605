package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An execution whose lease was lost between the claim and the start (a node paused there) is counted
 * in {@code baton_executions_total{outcome="lease_lost"}}, the metric that tells an operator a node
 * keeps being paused past its lease, although no listener hears of a start (review of 02eb1d9).
 */
class LostBeforeTheStartMetricsTest {

    @Test
    void aLeaseLostBeforeTheStartIsCounted() {
        ManualTime time = ManualTime.at(Harness.START);
        ScriptedCoordination coordination = new ScriptedCoordination(
                InMemoryCoordination.cluster(time.clock()).node("n1"));
        coordination.invalidLeases.set(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BatonMetrics metrics = new BatonMetrics(coordination, true);
        metrics.bindTo(registry);
        try (BackgroundWorkerManager manager = Baton.manager(coordination).scheduler(time).listener(metrics)
                .shutdownGrace(Duration.ofSeconds(2)).build()) {
            manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
            manager.start();
            time.advance(Duration.ofSeconds(12));
        }

        Counter lost = registry.find("baton.executions").tag("worker", "w").tag("outcome", "lease_lost").counter();
        assertThat(lost).as("baton.executions{outcome=lease_lost}").isNotNull();
        assertThat(lost.count()).isEqualTo(1.0);
    }
}
