package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedNodes;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Two standbys (every node stands by: their views of the balance disagree) both find, at the same
 * watch tick, that the record "gone" wrote five minutes ahead stood still for two periods, and both
 * catch up with a rebase. n1 estimates the cluster clock right; n2's estimate lags by 4 s (the clock
 * stepped forward 4 s before; n2's samples catch up 7.5 s after the step). n2 reads the record (the
 * old one, proven left ahead), then n1 rebases it to its slot and runs it. n2's rebase used to read
 * the record again: n1's fresh, correct record lies more than a period ahead of n2's clock, so n2
 * rebased it back to its own lagging slot, which the claim (judged on n2's clock, as on Hazelcast)
 * accepted, and the slots between ran twice. The rebase now names the token it proved left ahead.
 */
class TwoStandbysRebaseARecordAheadTest {

    private static final Duration LAG = Duration.ofSeconds(4);

    @AutoClose
    private final SkewedNodes nodes = new SkewedNodes();
    private final AtomicLong rightOffset = new AtomicLong();
    private final AtomicLong laggingOffset = new AtomicLong();


    /**
     * The two catch-ups race: n2 runs its slot 00:00:19 after n1 ran 00:00:23, and the record's last
     * slot moves back below a slot that ran.
     */
    @Test
    void twoStandbysThatBothCatchUpARecordLeftAheadRunNoSlotTwice() throws InterruptedException {
        race(false);
    }

    /**
     * As above; n1 then leaves (its node stops, or dies, right after its run): n2, looking out for
     * unclaimed slots after its catch-up, runs 00:00:20 to 00:00:23 on its lagging clock, and slot
     * 00:00:23 runs a second time.
     */
    @Test
    void aSlotRunsTwiceWhenTheNodeOfTheFirstRebaseLeaves() throws InterruptedException {
        race(true);
    }

    private void race(boolean firstLeaves) throws InterruptedException {
        Instant ahead = Harness.START.plus(Duration.ofMinutes(5));
        nodes.cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        ScriptedCoordination n1 = node("n1", rightOffset, ClaimRole.STANDBY);
        ScriptedCoordination n2 = node("n2", laggingOffset, ClaimRole.STANDBY);
        nodes.time.advance(Duration.ofSeconds(10));
        // 00:00:13: the cluster clock steps forward 4 s (a member joined); n1 sees it at once, n2 (and the
        // clock its claims are judged by) only later.
        rightOffset.set(LAG.toMillis());
        for (int i = 0; i < 100 && (n1.claimEntered.getCount() > 0 || n2.claimEntered.getCount() > 0); i++) {
            nodes.time.advance(Duration.ofMillis(100));
        }
        assertThat(n1.claimEntered.getCount() + n2.claimEntered.getCount()).as("both nodes catch up").isZero();
        assertThat(nodes.recorder.results).as("runs before the catch-up").isEmpty();

        // n2's read of the record in catchUp (leftAhead) comes before n1's rebase; its rebaseIfAhead read after n1's run.
        n2ReadsBeforeN1Rebases(n1, n2);
        nodes.time.settle();
        if (firstLeaves) {
            awaitRunBy("n2");
            nodes.managers.getFirst().close();
        }
        nodes.advanceInRealTime(Duration.ofSeconds(4));
        // n2's estimate catches up (about 7.5 s after the step).
        laggingOffset.set(LAG.toMillis());
        nodes.records.set(LAG.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(2));

        List<String> seen = nodes.recorder.results.stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        List<Instant> slots = nodes.recorder.results.stream().map(ExecutionResult::slot).toList();
        assertThat(slots).as("slots run (each at most once): %s", seen).doesNotHaveDuplicates();
        assertThat(slots).as("slots run in order (no rebase back below a slot that ran): %s", seen).isSorted();
    }

    /**
     * The same race through a standby's regular look (both nodes' balance settling, each looks after
     * the grace at each slot): the look proved the record left ahead, but after its claim and lookAgain
     * lost it rebased on a fresh read, with no proof about that record. n2 rebased n1's correct record
     * back and ran 00:00:14 again. The look now rebases only the record it proved left ahead.
     */
    @Test
    void twoStandbysLookingAtTheirSlotsRunNoSlotTwice() throws InterruptedException {
        Instant ahead = Harness.START.plus(Duration.ofMinutes(5));
        nodes.cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        ScriptedCoordination n1 = node("n1", rightOffset, ClaimRole.STANDBY);
        ScriptedCoordination n2 = node("n2", laggingOffset, ClaimRole.STANDBY);
        nodes.time.advance(Duration.ofSeconds(10));
        // 00:00:13: a member joins; the balance settles (both look after the grace at each slot) and the
        // cluster clock steps forward 4 s: n1 sees it at once, n2 (and the clock its claims are judged by) later.
        n1.settling = true;
        n2.settling = true;
        rightOffset.set(LAG.toMillis());
        for (int i = 0; i < 100 && (n1.claimEntered.getCount() > 0 || n2.claimEntered.getCount() > 0); i++) {
            nodes.time.advance(Duration.ofMillis(100));
        }
        assertThat(n1.claimEntered.getCount() + n2.claimEntered.getCount()).as("both nodes claim").isZero();
        assertThat(nodes.recorder.results).as("runs before").isEmpty();
        assertThat(List.of(n1.claimPaths, n2.claimPaths)).as("both claim from their regular look, not the watch's catch-up")
                .allMatch(paths -> paths.stream().allMatch(p -> p.contains("regularCycle") && !p.contains("catchUp")));

        // n2's claim loses (the old record); its next read (lookAgain's claimedSince) still finds the old
        // record, proven left ahead; n1 then rebases it and runs.
        n2ReadsBeforeN1Rebases(n1, n2);
        nodes.advanceInRealTime(Duration.ofSeconds(3));
        laggingOffset.set(LAG.toMillis());
        nodes.records.set(LAG.toMillis());
        n1.settling = false;
        n2.settling = false;
        nodes.advanceInRealTime(Duration.ofSeconds(3));

        List<String> seen = nodes.recorder.results.stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        List<Instant> slots = nodes.recorder.results.stream().map(ExecutionResult::slot).toList();
        assertThat(slots).as("slots run (each at most once): %s; claims of n1: %s, of n2: %s", seen, n1.claimPaths,
                n2.claimPaths).doesNotHaveDuplicates();
        assertThat(slots).as("slots run in order (no rebase back below a slot that ran): %s", seen).isSorted();
    }

    /** n2's claim goes first and loses; its next read of the record comes before n1's rebase and run. */
    private void n2ReadsBeforeN1Rebases(ScriptedCoordination n1, ScriptedCoordination n2) throws InterruptedException {
        CountDownLatch n2Read = new CountDownLatch(1);
        n2.afterNextRead.set(() -> {
            n2Read.countDown();
            awaitRunBy("n1");
        });
        n2.claimBlocked.countDown();
        assertThat(n2Read.await(5, TimeUnit.SECONDS)).as("n2 read the record after its claim lost").isTrue();
        n1.claimBlocked.countDown();
    }

    private void awaitRunBy(String node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (nodes.recorder.results.stream().noneMatch(r -> r.nodeId().equals(node)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private ScriptedCoordination node(String name, AtomicLong own, ClaimRole role) {
        ScriptedCoordination c = new ScriptedCoordination(nodes.coordination(name, own));
        c.claimBlockedWorker = "w";
        c.recordClaimPaths = true;
        c.claimBlocked = new CountDownLatch(1);
        return nodes.start(c, own, role, WorkerOptions.defaults(), ctx -> { });
    }
}
