package dev.baton.coordinator;

import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedNodes;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A standby whose estimate of the cluster clock lags (the clock stepped forward; see
 * {@link LaggingStandbyRebaseTest}) must not rebase the preferred node's correct records however
 * long the preferred node's run takes: a run holds the record's token still.
 */
class LaggingStandbyAfterALongRunTest {

    private static final Duration STEP = Duration.ofMinutes(5);

    @AutoClose
    private final SkewedNodes nodes = new SkewedNodes();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();


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
        ScriptedCoordination preferred = nodes.start(new ScriptedCoordination(nodes.coordination("p", preferredOffset)),
                preferredOffset, ClaimRole.PREFERRED, skip, ctx -> {
            if (slowNext.compareAndSet(true, false)) {
                release.await(30, TimeUnit.SECONDS);
            }
        });
        ScriptedCoordination standby = nodes.start(new ScriptedCoordination(nodes.coordination("s", standbyOffset)),
                standbyOffset, ClaimRole.STANDBY, skip, ctx -> { });
        nodes.time.advance(Duration.ofMillis(10_300));
        int before = nodes.recorder.results.size();

        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofMillis(1_500));
        slowNext.set(true);
        nodes.advanceInRealTime(Duration.ofSeconds(6));
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
        nodes.advanceInRealTime(Duration.ofMillis(1_500));
        resume.countDown();
        nodes.advanceInRealTime(Duration.ofMillis(1_500));
        standbyOffset.addAndGet(STEP.toMillis());
        nodes.records.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(3));
        standby.settling = false;
        preferred.settling = false;
        nodes.advanceInRealTime(Duration.ofSeconds(3));
        nodes.expectNoSlotTwiceAndNoRunBy("s", before);
    }
}
