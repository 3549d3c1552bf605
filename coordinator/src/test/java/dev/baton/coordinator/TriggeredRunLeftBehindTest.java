package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fixed-delay worker with the default crash policy (RERUN) whose <em>triggered</em> run is left
 * behind by a node that dies mid-run never runs again on Hazelcast.
 *
 * <p>The record keeps showing the dead run (Hazelcast never clears {@code running}); the fixed-delay
 * plan only re-checks while a run is shown, and its take-over of a run whose holder's lock is gone
 * asks for a RERUN of the record's last regular slot. {@code ClaimRules} refuses every RERUN whose
 * last claim was TRIGGERED, the orphan event's re-run is skipped for the same reason
 * ({@code WorkerRecord.lastSlotUnfinished}), and nothing else claims: the worker is stopped for good
 * on every surviving node, until an operator triggers it again. The in-memory coordination clears
 * the record when the lease ends, so it does not show this.
 */
class TriggeredRunLeftBehindTest {

    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(2);

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final List<Coordination> coordinations = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void stop() {
        never.countDown();
        managers.forEach(BackgroundWorkerManager::close);
        members.close();
    }

    @Test
    void aFixedDelayWorkerWhoseTriggeredRunDiedWithItsNodeRunsAgainElsewhere() throws Exception {
        List<HazelcastInstance> hz = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            hz.add(members.get(n));
        }
        for (int n = 0; n < 3; n++) {
            Coordination c = HazelcastCoordination.builder(hz.get(n)).nodeId("n" + n).lease(LEASE).build();
            coordinations.add(c);
            BackgroundWorkerManager m = Baton.manager(c).listener(recorder).build();
            m.add(new TestWorker("chain", Schedule.fixedDelay(DELAY), WorkerOptions.defaults(), ctx -> {
                if (ctx.runKind() == RunKind.TRIGGERED) {
                    never.await();
                }
            }));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(40)).until(() -> recorder.results.size() >= 3);

        managers.get(0).trigger("chain");
        await().atMost(Duration.ofSeconds(20)).until(() -> triggered() != null);
        ExecutionStart stuck = triggered();
        int dead = Integer.parseInt(stuck.nodeId().substring(1));
        hz.get(dead).getLifecycleService().terminate();
        Instant killedAt = Instant.now();

        // Lease plus margin for the dead session to expire, a member-removal timeout, and two delays: 20 s is plenty.
        boolean ranAgain;
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                    recorder.starts.stream().anyMatch(s -> !s.nodeId().equals(stuck.nodeId())
                            && s.startedAt().isAfter(killedAt)));
            ranAgain = true;
        } catch (ConditionTimeoutException e) {
            ranAgain = false;
        }
        assertThat(ranAgain).as("the worker runs again on a surviving node after %s died mid-run of its"
                + " triggered execution (record: %s)", stuck.nodeId(),
                coordinations.get((dead + 1) % 3).read("chain")).isTrue();
    }

    private ExecutionStart triggered() {
        return recorder.starts.stream().filter(s -> s.kind() == RunKind.TRIGGERED).findFirst().orElse(null);
    }
}
