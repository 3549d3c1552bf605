package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine where a claim, a lease or a shutdown falls between two steps. */
class EngineRecoveryTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final ScriptedCoordination coordination = new ScriptedCoordination(cluster.node("n1"));
    private final Recorder recorder = new Recorder();
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final BackgroundWorkerManager manager = Baton.manager(coordination).scheduler(time).listener(recorder)
            .shutdownGrace(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() {
        manager.close();
    }

    private void addWorker() {
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> ran.add(ctx.executionId())));
    }

    /**
     * A pause between the claim and the start cost the lease: the work does not start, and no listener
     * hears of a start (a journal's start line with the old fence, written at the thaw, showed the node
     * running beside the one that took over); the slot runs again.
     */
    @Test
    void doWorkNeverStartsWithoutAValidLease() {
        addWorker();
        coordination.invalidLeases.set(1);
        manager.start();

        time.advance(Duration.ofSeconds(12));

        assertThat(ran).hasSize(1);
        assertThat(recorder.starts).singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo(dev.baton.worker.RunKind.RERUN));
        assertThat(recorder.outcomes("w")).containsExactly(Outcome.SUCCEEDED);
        assertThat(recorder.results.getFirst().executionId()).isEqualTo(recorder.starts.getFirst().executionId());
    }

    @Test
    void aClaimThatReturnsWhileTheManagerClosesNeverRunsItsWorkUnsupervised() throws Exception {
        addWorker();
        coordination.claimBlocked = new CountDownLatch(1);
        manager.start();
        CompletableFuture.runAsync(() -> time.advance(Duration.ofSeconds(12)));
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(manager::close);
        Thread.sleep(100);
        coordination.claimBlocked.countDown();
        closing.get(10, TimeUnit.SECONDS);

        assertThat(ran).as("the lease is given back, not run after the manager closed").isEmpty();
    }

    /** The worker's first claim is granted and its answer held back until the test counts claimBlocked down. */
    private void startWithAGrantedClaimOnItsWay() throws InterruptedException {
        addWorker();
        coordination.blockAfterGrant = true;
        coordination.claimBlocked = new CountDownLatch(1);
        manager.start();
        CompletableFuture.runAsync(() -> time.advance(Duration.ofSeconds(12)));
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(coordination.held.get()).as("the claim was granted").isOne();
    }

    /**
     * A claim the coordination granted whose answer is still on its way when the node shuts down:
     * close waits for it and gives the lease back before the coordination closes, so the others take
     * the worker at once rather than after the lease expires (the quick start's stop once logged
     * "Closing with 1 lease(s) still held").
     */
    @Test
    void closeGivesBackALeaseGrantedWhileItWasStopping() throws Exception {
        startWithAGrantedClaimOnItsWay();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(manager::close);
        // The answer comes once the manager stopped its workers, as it did at the quick start's SIGTERM.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> manager.list().getFirst().state() == dev.baton.worker.WorkerInfo.WorkerState.STOPPED);
        coordination.claimBlocked.countDown();
        closing.get(10, TimeUnit.SECONDS);

        assertThat(coordination.heldAtClose).as("leases still held when the coordination closed").isZero();
        assertThat(ran).isEmpty();
    }

    /** As above for a worker removed while its claim was on its way, just before the node shuts down. */
    @Test
    void closeGivesBackALeaseGrantedToAWorkerRemovedJustBefore() throws Exception {
        startWithAGrantedClaimOnItsWay();

        assertThat(manager.remove("w")).isTrue();
        Thread closer = Thread.ofPlatform().name("test-closer").start(manager::close);
        // Until the claim answers, close either waits for it or (wrongly) has already closed the coordination.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !closer.isAlive()
                || java.util.Arrays.stream(closer.getStackTrace()).anyMatch(f -> f.getMethodName().equals("awaitIdle")));
        coordination.claimBlocked.countDown();
        closer.join(Duration.ofSeconds(10));

        assertThat(closer.isAlive()).isFalse();
        assertThat(coordination.heldAtClose).as("leases still held when the coordination closed").isZero();
        assertThat(ran).isEmpty();
    }

    /**
     * A node whose claims all fail (it is on the minority side of a split) and that falls behind
     * its schedule reports no misfire: the side that owns the decision runs the slots, on time.
     */
    @Test
    void aNodeThatCannotClaimReportsNoMisfire() throws Exception {
        addWorker();
        coordination.claimBlocked = new CountDownLatch(1);
        coordination.refuseClaims = true;
        manager.start();
        CompletableFuture<Void> advancing = CompletableFuture.runAsync(() -> time.advance(Duration.ofSeconds(12)));
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).isTrue();
        advancing.get(10, TimeUnit.SECONDS);
        time.advance(Duration.ofMinutes(1));
        coordination.claimBlocked.countDown();
        coordination.claimBlocked = null;
        time.settle();
        time.advance(Duration.ofMinutes(1));

        assertThat(ran).isEmpty();
        assertThat(recorder.misfires).isEmpty();

        coordination.refuseClaims = false;
        time.advance(Duration.ofSeconds(30));
        assertThat(ran).isNotEmpty();
    }

    /** The node that runs a slot late reports it, once. */
    @Test
    void theNodeThatRunsALateSlotReportsTheMisfire() throws Exception {
        addWorker();
        coordination.claimBlocked = new CountDownLatch(1);
        manager.start();
        CompletableFuture<Void> advancing = CompletableFuture.runAsync(() -> time.advance(Duration.ofSeconds(12)));
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).isTrue();
        advancing.get(10, TimeUnit.SECONDS);
        time.advance(Duration.ofSeconds(45));
        coordination.claimBlocked.countDown();
        coordination.claimBlocked = null;
        time.settle();
        time.advance(Duration.ofSeconds(5));

        assertThat(recorder.misfires).hasSize(1);
        assertThat(ran).hasSizeGreaterThanOrEqualTo(2);
    }

    /**
     * Right after members changed, two nodes may each take the other for the worker's preferred node:
     * the standby looks again after the grace and runs a slot that nobody claimed.
     */
    /**
     * A node leaving announces it a moment before a slot; a standby that was deciding to pass that
     * slot when the news arrived must still catch it up once it is preferred (run with a busy loop: a
     * slot missed 23 ms after the announcement, the rebalance was dropped because a cycle was running).
     */
    @Test
    void aRebalanceThatArrivesWhileAStandbyPassesASlotStillCatchesItUp() throws Exception {
        addWorker();
        coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        manager.start();
        time.advance(Duration.ofMillis(6_900));
        coordination.roleBlocked = new CountDownLatch(1);
        CompletableFuture<Void> advancing = CompletableFuture.runAsync(() -> time.advance(Duration.ofMillis(200)));
        assertThat(coordination.roleEntered.await(5, TimeUnit.SECONDS)).as("the cycle of slot 10 looks at its role")
                .isTrue();
        advancing.get(10, TimeUnit.SECONDS);

        coordination.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        coordination.events.rebalanced();
        time.advance(Duration.ofMillis(100));
        CountDownLatch blocked = coordination.roleBlocked;
        coordination.roleBlocked = null;
        blocked.countDown();
        time.settle();
        time.advance(Duration.ofMillis(100));

        assertThat(ran).as("slot 10, caught up before slot 20").hasSize(1);
        assertThat(recorder.results.get(0).slot()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(recorder.results.get(0).kind()).isEqualTo(dev.baton.worker.RunKind.CATCH_UP);
    }

    @Test
    void aStandbyWhoseViewJustChangedRunsASlotNobodyClaimed() {
        addWorker();
        coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        manager.start();
        time.advance(Duration.ofSeconds(12));
        assertThat(ran).as("a settled standby leaves the slot to its preferred node, for a while").isEmpty();

        coordination.settling = true;
        time.advance(Duration.ofSeconds(10));

        assertThat(ran).hasSize(1);
        assertThat(recorder.results.get(0).slot()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:20Z"));
    }

    /**
     * Two nodes that disagree for good on who prefers a worker, each standing by for the other: the
     * watch over the slots they passed finds that nobody ran them, and they take the worker up again
     * (split test with a busy loop: one worker ran on no node for over a minute after a healed split).
     */
    @Test
    void standbysThatAllLeaveAWorkerToEachOtherFindItUnrunAndRunIt() {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        other.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        List<String> slots = new CopyOnWriteArrayList<>();
        try (BackgroundWorkerManager second = Baton.manager(other).scheduler(time).build()) {
            second.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                    ctx -> slots.add(ctx.scheduledAt().toString())));
            manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                    ctx -> slots.add(ctx.scheduledAt().toString())));
            coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
            manager.start();
            second.start();

            for (int i = 0; i < 180; i++) {
                time.advance(Duration.ofSeconds(1));
            }
        }

        assertThat(slots).as("slots run once the watch found the worker unrun").hasSizeGreaterThan(5)
                .doesNotHaveDuplicates();
    }

    /**
     * Standbys that look after the grace at the same instant can split the lock's votes and all be
     * refused (split test with a busy loop: four nodes refused at slot + grace, the slot missed):
     * the look tries again after a short random pause.
     */
    @Test
    void aStandbyLookRefusedOnceByASplitVoteTriesAgain() {
        addWorker();
        coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        coordination.settling = true;
        coordination.refuseNext.set(1);
        manager.start();
        time.advance(Duration.ofSeconds(8));

        // The pause before the second try is real time: wait for it, bounded.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !ran.isEmpty());
        assertThat(ran).as("slot 10, on the second try").hasSize(1);
        assertThat(recorder.results.get(0).slot()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:10Z"));
    }

    /**
     * A healthy preferred node whose run overran skips the slots it missed, as MisfirePolicy.SKIP
     * says; the standby's watch reads "nobody ran slot 50" and runs it late anyway, as a catch-up
     * (guarantee 7: slots missed while the fleet was busy are skipped).
     */
    @Test
    void theWatchDoesNotRunASlotThePreferredNodeSkippedByItsMisfirePolicy() throws Exception {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        other.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        coordination.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        dev.baton.worker.WorkerOptions skip = dev.baton.worker.WorkerOptions.defaults()
                .withMisfire(dev.baton.worker.MisfirePolicy.SKIP);
        CountDownLatch longRun = new CountDownLatch(1);
        List<String> runs = new CopyOnWriteArrayList<>();
        try (BackgroundWorkerManager second = Baton.manager(other).scheduler(time).build()) {
            second.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), skip,
                    ctx -> runs.add(ctx.scheduledAt() + " " + ctx.runKind() + " on n2")));
            manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), skip, ctx -> {
                runs.add(ctx.scheduledAt() + " " + ctx.runKind() + " on n1");
                if (ctx.scheduledAt().equals(java.time.Instant.parse("2026-01-01T00:00:10Z"))) {
                    assertThat(longRun.await(30, TimeUnit.SECONDS)).isTrue();
                }
            }));
            manager.start();
            second.start();

            // Slot 10 runs on n1 until 51.5 s: slots 20 to 50 are missed while it runs, and skipped.
            time.advance(Duration.ofMillis(48_500));
            longRun.countDown();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.results.isEmpty());
            time.settle();
            time.advance(Duration.ofSeconds(5));
        }

        assertThat(runs).as("slot 50 was skipped by policy; nobody runs it late: %s", runs)
                .noneMatch(r -> r.startsWith("2026-01-01T00:00:50Z"));
    }

    /**
     * Slot 50 falls while the worker is paused: nobody claims it. After the resume the standby's
     * watch reads "nobody ran slot 50" and runs it late, though a paused slot is not run (on one node
     * it is not: ManagerTest.pauseStopsNewSlotsAndResumeRestartsThem).
     */
    @Test
    void theWatchDoesNotRunASlotThatFellWhileTheWorkerWasPaused() {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        other.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        coordination.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        List<String> runs = new CopyOnWriteArrayList<>();
        try (BackgroundWorkerManager second = Baton.manager(other).scheduler(time).build()) {
            second.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                    ctx -> runs.add(ctx.scheduledAt() + " " + ctx.runKind() + " on n2")));
            manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                    ctx -> runs.add(ctx.scheduledAt() + " " + ctx.runKind() + " on n1")));
            manager.start();
            second.start();

            time.advance(Duration.ofSeconds(42));   // 00:00:45, slots 10 to 40 ran on n1
            manager.pause("w");
            time.advance(Duration.ofSeconds(7));    // 00:00:52, slot 50 fell while paused
            manager.resume("w");
            time.advance(Duration.ofSeconds(5));    // 00:00:57, the watch ran at 00:00:53
        }

        assertThat(runs).as("slots 10 to 40 ran; 50 fell while paused: %s", runs).hasSize(4)
                .noneMatch(r -> r.startsWith("2026-01-01T00:00:50Z"));
    }

    /**
     * Cost: while the preferred node runs every slot, the standby's watch keeps reading the record of
     * the slot it passed at every watch (every 2.5 s with Hazelcast's defaults), because passedSlot is
     * never cleared once the record shows the slot ran. With 2,000 workers on 4 nodes that is a getAll
     * of about 1,500 records per node every 2.5 s (about 2,400 reads/s in the cluster) with nothing
     * wrong; the commit says nothing is read while every node runs its share. Here: a 10-minute
     * worker for an hour, 6 slots passed; the record of each need be read at most once.
     */
    @Test
    void aStandbyDoesNotReadTheRecordOfASlotItAlreadySawRunAgainAndAgain() {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        other.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        coordination.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        try (BackgroundWorkerManager second = Baton.manager(other).scheduler(time).build()) {
            second.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMinutes(10)), ctx -> { }));
            addWorker10Minutes();
            manager.start();
            second.start();
            time.advance(Duration.ofMinutes(60));
        }

        assertThat(recorder.results).as("n1 ran every slot").hasSize(6);
        assertThat(other.reads.get()).as("records the standby read: the first plan, then each passed slot once")
                .isLessThanOrEqualTo(1 + 6);
    }

    private void addWorker10Minutes() {
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMinutes(10)), ctx -> ran.add(ctx.executionId())));
    }

    /**
     * A catch-up the watch starts (whatever the node's role) can run past the next slot's wake-up,
     * which is remembered (duePending). With SKIP the catch-up then plans the slot after next, and
     * endCycle runs the remembered wake-up at once on that new, future plan: a node that is preferred
     * by then claims slot 70 at 62.5 s and runs it 7.5 s before it is due.
     */
    @Test
    void aSlotNeverRunsBeforeItIsDueAfterALongCatchUpFromTheWatch() throws Exception {
        dev.baton.worker.WorkerOptions skip = dev.baton.worker.WorkerOptions.defaults()
                .withMisfire(dev.baton.worker.MisfirePolicy.SKIP);
        CountDownLatch longRun = new CountDownLatch(1);
        List<String> early = new CopyOnWriteArrayList<>();
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), skip, ctx -> {
            if (ctx.scheduledAt().isAfter(time.now())) {
                early.add(ctx.scheduledAt() + " started at " + time.now());
            }
            if (ctx.runKind() == dev.baton.worker.RunKind.CATCH_UP) {
                assertThat(longRun.await(30, TimeUnit.SECONDS)).isTrue();
            }
        }));
        coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
        manager.start();
        time.advance(Duration.ofSeconds(51));   // 00:00:54: the 53 s watch found slot 50 unrun and runs it
        assertThat(recorder.starts).as("the catch-up of slot 50 runs").hasSize(1);

        coordination.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        time.advance(Duration.ofMillis(8_500)); // 00:01:02.5: slot 60's wake-up came while the catch-up ran
        longRun.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.results.isEmpty());
        time.settle();
        time.advance(Duration.ofSeconds(1));

        assertThat(early).as("no slot starts before it is due").isEmpty();
    }

    /** The same standby leaves a slot alone that its preferred node claimed: every slot runs once. */
    @Test
    void aStandbyWhoseViewJustChangedLeavesAClaimedSlotAlone() {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        other.role = dev.baton.worker.spi.ClaimRole.PREFERRED;
        try (BackgroundWorkerManager preferred = Baton.manager(other).scheduler(time).build()) {
            preferred.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)),
                    ctx -> ran.add(ctx.executionId())));
            preferred.start();
            addWorker();
            coordination.role = dev.baton.worker.spi.ClaimRole.STANDBY;
            coordination.settling = true;
            manager.start();

            time.advance(Duration.ofSeconds(45));

            assertThat(ran).as("slots at 10, 20, 30 and 40 s, each once").hasSize(4);
            assertThat(recorder.results).as("the standby ran none").isEmpty();
        }
    }

    /**
     * A loaded fleet: this node's own claims return late (here 900 ms after their slot), so its
     * peers' claims are about as late. A standby that looked at slot + grace found such slots
     * "unclaimed" and claimed them itself, each look a lock round the preferred node's claim then
     * waited behind (three nodes at 2,000 executions/s: over a thousand looks a second, half the
     * preferred nodes' claims refused, slots missed). It now waits for its own lateness too.
     */
    @Test
    void aStandbyWhoseOwnClaimsRunLateLooksThatMuchLaterAfterTheGrace() throws Exception {
        List<String> slots = new CopyOnWriteArrayList<>();
        coordination.roles.put("a", dev.baton.worker.spi.ClaimRole.PREFERRED);
        coordination.roles.put("w", dev.baton.worker.spi.ClaimRole.STANDBY);
        manager.add(new TestWorker("a", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(2)),
                ctx -> slots.add(ctx.scheduledAt().toString())));
        CountDownLatch slowClaim = new CountDownLatch(1);
        coordination.claimBlockedWorker = "a";
        coordination.claimBlocked = slowClaim;
        manager.start();
        time.advance(Duration.ofSeconds(7));
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).as("a's claim of slot 10").isTrue();
        time.advance(Duration.ofMillis(900));
        slowClaim.countDown();
        time.settle();
        coordination.settling = true;

        time.advance(Duration.ofMillis(1_100 + 600));
        assertThat(slots).as("at 12.6 s, slot 12 waits for a preferred node as late as this one").isEmpty();
        time.advance(Duration.ofMillis(900));
        assertThat(slots).as("at 13.5 s").containsExactly("2026-01-01T00:00:12Z");
    }
}
