package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review s42. n2 claims an operator's trigger of an hourly worker and dies mid-run (kill -9): on Hazelcast its
 * record shows the triggered run as running, the trigger served, until a claim finds the holder dead; only that
 * claim asks for the trigger again. The orphan event of n2's expired session makes n1, the preferred node, claim
 * the trigger; that first claim is refused (the dead holder's lock still held on some member a moment longer,
 * split votes, the record's partition moving off the dead member), as the slot path's retryLater expects. The
 * slot path tries again; the trigger path retries only while the record says a trigger is pending, which it does
 * not yet (no claim applied the cut), so the cut trigger waits for the next regular claim: an hour here, for
 * ever while the worker is paused.
 */
class CutTriggerAfterARefusedClaimTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(5));
    private final ScriptedCoordination coordination = new ScriptedCoordination(cluster.node("n1"));
    private final Recorder recorder = new Recorder();
    private final BackgroundWorkerManager manager = Baton.manager(coordination).scheduler(time).listener(recorder)
            .shutdownGrace(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void aTriggerCutShortByItsNodeDyingRunsAgainThoughThePreferredNodesFirstClaimIsRefused() {
        coordination.roles.put("w", ClaimRole.PREFERRED);
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofHours(1)), ctx -> { }));
        manager.start();
        time.advance(Duration.ofSeconds(10));

        // n2 claims the operator's trigger before n1 does, and dies mid-run.
        Coordination n2 = cluster.node("n2");
        n2.start(NoEvents.INSTANCE);
        coordination.roles.put("w", ClaimRole.STANDBY);
        n2.trigger("w");
        time.settle();
        Lease cut = n2.claim(ClaimRequest.triggeredOrRerun("w", time.now())).orElseThrow();
        assertThat(cut.kind()).isEqualTo(ClaimRequest.Kind.TRIGGERED);
        // As on Hazelcast: the dead holder's run reads as running until a claim takes it over.
        coordination.freezeReads("w");
        WorkerRecord seen = coordination.read("w").orElseThrow();
        assertThat(seen.running()).isTrue();
        assertThat(seen.triggerPending()).isFalse();

        time.advance(Duration.ofSeconds(10)); // n2's lease has run out
        coordination.roles.put("w", ClaimRole.PREFERRED);
        coordination.refuseNext.set(1);
        coordination.events.orphaned("w");
        time.settle();
        time.advance(Duration.ofMinutes(10));

        assertThat(recorder.results)
                .as("the cut trigger runs again within ten minutes (next slot at 01:00); claims: %s", coordination.claims)
                .anyMatch(r -> r.kind() == RunKind.TRIGGERED);
    }
}
