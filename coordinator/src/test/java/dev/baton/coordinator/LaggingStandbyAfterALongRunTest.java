package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedClocks;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.WorkerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A standby whose estimate of the cluster clock lags (the clock stepped forward; see
 * {@link LaggingStandbyRebaseTest}) must not rebase the preferred node's correct records however
 * long the preferred node's run takes: a run holds the record's token still.
 */
class LaggingStandbyAfterALongRunTest {

    private static final Duration STEP = Duration.ofMinutes(5);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final AtomicLong recordsOffset = new AtomicLong();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, recordsOffset), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    /**
     * The preferred node's run of its first slot on the new clock takes six seconds (more than two
     * periods and the grace): its record holds the same token all along, and still after the run
     * ends (a completion keeps the token). The lagging standby, looking after the grace at each slot
     * while the balance settles, takes that for a record left ahead and, once the run ended, rebases
     * it back to its own (lagging) slot and runs that.
     */
    @Test
    void aLaggingStandbyRebasesNoRecordWhoseRunTookLongerThanTwoPeriods() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean slowNext = new AtomicBoolean();
        WorkerOptions skip = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
        ScriptedCoordination preferred = node("p", preferredOffset, ClaimRole.PREFERRED, skip, ctx -> {
            if (slowNext.compareAndSet(true, false)) {
                release.await(30, TimeUnit.SECONDS);
            }
        });
        ScriptedCoordination standby = node("s", standbyOffset, ClaimRole.STANDBY, skip, ctx -> { });
        time.advance(Duration.ofMillis(10_300));
        int before = recorder.results.size();

        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(1_500));
        slowNext.set(true);
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(6));
        // Right after its completion the preferred node stalls for a moment (a GC pause, a busy core).
        CountDownLatch resume = new CountDownLatch(1);
        preferred.afterNextCompletion.set(() -> {
            try {
                resume.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        release.countDown();
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(1_500));
        resume.countDown();
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(1_500));
        standbyOffset.addAndGet(STEP.toMillis());
        recordsOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(3));
        standby.settling = false;
        preferred.settling = false;
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(3));
        expectNoRunByTheLaggingNode(before);
    }


    private void expectNoRunByTheLaggingNode(int before) {
        List<ExecutionResult> all = recorder.results;
        List<String> seen = all.subList(before, all.size()).stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        assertThat(all.stream().map(ExecutionResult::slot).toList())
                .as("slots run (each at most once); since the step: %s", seen).doesNotHaveDuplicates();
        assertThat(all.subList(before, all.size()).stream().filter(r -> r.nodeId().equals("s")).toList())
                .as("runs by the lagging node, each a rebase of the preferred node's correct record: %s", seen)
                .isEmpty();
    }

    private ScriptedCoordination node(String name, AtomicLong own, ClaimRole role, WorkerOptions options,
            TestWorker.Body work) {
        ScriptedCoordination c = new ScriptedCoordination(SkewedClocks.shifted(time, cluster.node(name), own));
        c.roles.put("w", role);
        BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, own)).listener(recorder).build();
        m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), options, work));
        m.start();
        managers.add(m);
        return c;
    }
}
