package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An operator triggers w (the record asks for a run: trigger() returned, "took"). Every node hears the
 * event; only the preferred node claims. The preferred node is gone before its claim (it crashed as the
 * event came, or its Baton was closing), and this node becomes preferred: it claims the trigger it heard
 * as a standby. Before (review s41c) a standby dropped the event and onRebalanced looked only at a slot
 * passed as a standby, so nothing read the pending trigger until this node's next regular run ended (an
 * hour here; never while the worker is paused, though a paused worker still takes triggers).
 */
class TriggerAcrossAPreferredNodeChangeTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final ScriptedCoordination coordination = new ScriptedCoordination(cluster.node("n1"));
    private final Recorder recorder = new Recorder();
    private final BackgroundWorkerManager manager = Baton.manager(coordination).scheduler(time).listener(recorder)
            .shutdownGrace(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void aTriggerHeardAsAStandbyRunsOnceThisNodeBecomesPreferred() {
        coordination.roles.put("w", ClaimRole.STANDBY);
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofHours(1)), ctx -> { }));
        manager.start();
        time.advance(Duration.ofSeconds(10));

        manager.trigger("w");
        time.settle();
        assertThat(coordination.read("w").orElseThrow().triggerPending()).as("the record asks for the run").isTrue();

        // The preferred node went before it claimed: this node prefers w now.
        coordination.roles.put("w", ClaimRole.PREFERRED);
        coordination.events.rebalanced();
        time.advance(Duration.ofMinutes(10));

        assertThat(recorder.results).as("a triggered run, within 10 minutes of this node becoming preferred")
                .anyMatch(r -> r.kind() == RunKind.TRIGGERED);
        assertThat(coordination.read("w").orElseThrow().triggerPending()).as("the trigger served").isFalse();
    }

    @Test
    void aTriggerOfAPausedWorkerHeardAsAStandbyRunsOnceThisNodeBecomesPreferred() {
        coordination.roles.put("w", ClaimRole.STANDBY);
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMinutes(1)), ctx -> { }));
        manager.start();
        manager.pause("w");
        time.advance(Duration.ofSeconds(10));

        manager.trigger("w");
        time.settle();

        coordination.roles.put("w", ClaimRole.PREFERRED);
        coordination.events.rebalanced();
        time.advance(Duration.ofMinutes(30));

        assertThat(recorder.results).as("a triggered run of the paused worker (triggers run while paused)")
                .anyMatch(r -> r.kind() == RunKind.TRIGGERED);
    }

}
