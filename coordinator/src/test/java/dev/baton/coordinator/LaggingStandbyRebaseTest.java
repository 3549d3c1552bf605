package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedNodes;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AutoClose;
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

    @AutoClose
    private final SkewedNodes nodes = new SkewedNodes();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();


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

    /**
     * The preferred node claims nothing for two seconds (a GC pause: less than the standby's wait of
     * two periods and the grace) while the standby's estimate catches up the first 30 s of the five
     * minutes: the record still lies ahead of it, and the jump is no time in which nobody claimed.
     */
    @Test
    void anEstimateThatCatchesUpPartOfTheWayDuringAShortStallProvesNothing() {
        ScriptedCoordination preferred = nodes.node("p", preferredOffset, ClaimRole.PREFERRED);
        ScriptedCoordination standby = nodes.node("s", standbyOffset, ClaimRole.STANDBY);
        nodes.time.advance(Duration.ofMillis(10_300));
        int before = nodes.recorder.results.size();

        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(3));
        preferred.refuseClaims = true;
        nodes.advanceInRealTime(Duration.ofMillis(1_000));
        standbyOffset.addAndGet(30_000);
        nodes.records.addAndGet(30_000);
        nodes.advanceInRealTime(Duration.ofMillis(1_000));
        preferred.refuseClaims = false;
        nodes.advanceInRealTime(Duration.ofSeconds(3));
        catchUpAndExpectNoRunByTheStandby(preferred, standby, before);
    }

    private void expectNoSlotTwice(boolean settling, Duration warmUp, Duration lag) {
        ScriptedCoordination preferred = nodes.node("p", preferredOffset, ClaimRole.PREFERRED);
        ScriptedCoordination standby = nodes.node("s", standbyOffset, ClaimRole.STANDBY);
        nodes.time.advance(warmUp);
        int before = nodes.recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween((int) warmUp.toSeconds() - 2, (int) warmUp.toSeconds() + 1);

        // The clock steps forward five minutes; the preferred node sees it first, the standby `lag` later.
        standby.settling = settling;
        preferred.settling = settling;
        preferredOffset.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(lag);
        catchUpAndExpectNoRunByTheStandby(preferred, standby, before);
    }

    /** The standby's estimate (and the records' clock) catches up the whole step; then the balance settles. */
    private void catchUpAndExpectNoRunByTheStandby(ScriptedCoordination preferred, ScriptedCoordination standby,
                                                  int before) {
        standbyOffset.set(STEP.toMillis());
        nodes.records.set(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(5));
        standby.settling = false;
        preferred.settling = false;
        nodes.advanceInRealTime(Duration.ofSeconds(5));

        nodes.expectNoSlotTwiceAndNoRunBy("s", before);
    }
}
