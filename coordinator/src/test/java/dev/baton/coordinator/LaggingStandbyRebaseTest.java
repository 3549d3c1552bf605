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
 * The cluster clock steps FORWARD five minutes (a cluster of three, clocks t, t, t+5 min: the member
 * at t leaves, and the median of the two left is the later clock). Members see it when their samples
 * of the leaver age out, not all at once: for a few seconds the preferred node is already on the new
 * clock and runs its slots there, while a standby (whose balance is settling: a member just left)
 * still estimates the old one. On Hazelcast a claim is judged against the claimer's own estimate
 * (HzCoordination: Claim.nowMillis = clusterNow at the claimer); here the records' clock is the
 * lagging standby's. The records the preferred node writes are correct; nobody should rebase them.
 */
class LaggingStandbyRebaseTest {

    private static final Duration STEP = Duration.ofMinutes(5);

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
    void aStandbyWhoseClockLagsWhileTheBalanceSettlesRunsNoSlotTwice() {
        expectNoSlotTwice(true, Duration.ofMillis(10_300), Duration.ofSeconds(5));
    }

    /**
     * No membership change seen by the standby's balance (another member left; its role for this
     * worker stays STANDBY): only the watch looks at the record. It takes the preferred node's
     * correct record for one written ahead, "finds" nobody ran the slot, and catches it up.
     */
    @Test
    void theWatchOfAStandbyWhoseClockLagsRunsNoSlotTwice() {
        // The watch reads every other tick of 8.3 s (lease 5 s): the step falls 4.6 s before its look at 24.9 s.
        expectNoSlotTwice(false, Duration.ofMillis(20_300), Duration.ofSeconds(9));
    }

    private void expectNoSlotTwice(boolean settling, Duration warmUp, Duration lag) {
        ScriptedCoordination preferred = node("p", preferredOffset, ClaimRole.PREFERRED);
        ScriptedCoordination standby = node("s", standbyOffset, ClaimRole.STANDBY);
        time.advance(warmUp);
        int before = recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween((int) warmUp.toSeconds() - 2, (int) warmUp.toSeconds() + 1);

        // The clock steps forward five minutes; the preferred node sees it first, the standby `lag` later.
        standby.settling = settling;
        preferred.settling = settling;
        preferredOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, lag);
        standbyOffset.addAndGet(STEP.toMillis());
        recordsOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(5));
        standby.settling = false;
        preferred.settling = false;
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(5));

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
