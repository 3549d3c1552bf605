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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proof that a record ahead of a standby's clock was left ahead (its token stood still
 * for two periods and the grace) assumes that a live preferred node claims every period; a pause
 * holds the token still just as well. The clock steps forward 7.3 s: the preferred node sees it at
 * once, the standby (its balance settling, so it looks after the grace at each slot) about 8.7 s later.
 * While the standby lags, an operator pauses the worker for 4 s. Right after the resume, before the
 * preferred node's next claim, the standby's look at its slot 00:00:21 finds the correct record
 * (00:00:24, the last slot the preferred node ran before the pause) unchanged for 4 s, takes it for a
 * record left ahead, and rebased it back: slot 00:00:21, run by the preferred node before the
 * pause, ran again (and the next one too). Now nothing is proven while the worker is paused, and the
 * wait starts again at the resume.
 */
class PauseDuringTheLagTest {

    private static final Duration STEP = Duration.ofMillis(7_300);

    private final ManualTime time = ManualTime.at(Harness.START);
    /** The clock claims are judged by: the lagging standby's estimate (as on Hazelcast, for its own claims). */
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

    @Test
    void aLaggingStandbyRunsNoSlotTwiceAfterAShortPause() {
        ScriptedCoordination preferred = node("p", preferredOffset, ClaimRole.PREFERRED);
        ScriptedCoordination standby = node("s", standbyOffset, ClaimRole.STANDBY);
        time.advance(Duration.ofMillis(10_300));
        int before = recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween(9, 11);

        // 00:00:13.3: the clock steps forward; the preferred node sees it at once, the standby lags.
        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(3_700));
        // 00:00:17.0 (the preferred node's last claim before: 00:00:24 at 00:00:16.7)
        managers.getFirst().pause("w");
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(3_900));
        // 00:00:20.9: resumed; the preferred node's next claim comes at 00:00:21.7, the standby's look at 00:00:21.5.
        managers.getFirst().resume("w");
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(1_100));
        standbyOffset.addAndGet(STEP.toMillis());
        recordsOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(2));
        standby.settling = false;
        preferred.settling = false;
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(1));

        List<ExecutionResult> all = recorder.results;
        List<String> seen = all.subList(before, all.size()).stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        assertThat(all.stream().map(ExecutionResult::slot).toList())
                .as("slots run (each at most once); since the step: %s", seen).doesNotHaveDuplicates();
        assertThat(all.subList(before, all.size()).stream().filter(r -> r.nodeId().equals("s")).toList())
                .as("runs by the lagging standby, each a rebase of the preferred node's correct record: %s", seen)
                .isEmpty();
    }

    private ScriptedCoordination node(String name, AtomicLong own, ClaimRole role) {
        ScriptedCoordination c = new ScriptedCoordination(SkewedClocks.shifted(time, cluster.node(name), own));
        c.roles.put("w", role);
        BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, own)).listener(recorder).build();
        m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
        m.start();
        managers.add(m);
        return c;
    }
}
