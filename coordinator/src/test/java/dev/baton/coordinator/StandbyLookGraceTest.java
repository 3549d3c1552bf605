package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The look grace (the step-in grace plus this node's own lateness) costs an idle node nothing and loses no wake-up or watch. */
class StandbyLookGraceTest {

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

    /**
     * An idle node (no load at all) runs a report worker every 10 s whose execution once takes
     * 11.9 s: an overrun, common for real jobs. The next slot (20) is then claimed at 21.9 s, as a
     * plain regular claim (one slot passed is "late, not missed": no misfire), and Lateness records
     * 1.9 s, although the node is not loaded. For the next 2-4 s (and for good, if the job keeps
     * overrunning) every stand-in of this node waits grace + 1.9 s.
     *
     * Meanwhile this node is the STEP_IN node of a 1 s worker whose preferred node is frozen
     * (SIGSTOP). Before the change it ran every slot at slot + grace (0.5 s). With the change it
     * wakes at slot + 2.4 s: slot 22 runs at 24.4, slots 23 (and 25) are coalesced into later runs,
     * i.e. never run, and every fail-over start is 1.9 s later than the README's figure. "Idle it
     * adds nothing: fail-over timing is as before" does not hold.
     */
    @Test
    void anOverrunningWorkerOnAnIdleNodeDoesNotDelayItsStandIns() throws Exception {
        List<String> slots = new CopyOnWriteArrayList<>();
        coordination.roles.put("report", ClaimRole.PREFERRED);
        coordination.roles.put("w", ClaimRole.STEP_IN);
        CountDownLatch longRun = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            if (first.getAndSet(false)) {
                longRun.await(30, TimeUnit.SECONDS);
            }
        }));
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)),
                ctx -> slots.add(ctx.scheduledAt().toString())));
        manager.start();

        time.advance(Duration.ofMillis(7_000)); // 10.0 s: report's slot 10 starts and runs long
        time.advance(Duration.ofMillis(11_900)); // 21.9 s
        longRun.countDown();
        time.settle(); // report claims slot 20 at 21.9 s: 1.9 s "late"
        slots.clear();

        time.advance(Duration.ofMillis(4_100)); // 26.0 s
        assertThat(slots).as("the stand-in of a frozen node's 1 s worker runs slots 22-25, each at slot + grace")
                .containsExactly("2026-01-01T00:00:22Z", "2026-01-01T00:00:23Z", "2026-01-01T00:00:24Z",
                        "2026-01-01T00:00:25Z");
    }

    /**
     * A wake-up that fires while another cycle of the same worker runs (a triggered run, a re-run)
     * is remembered (duePending) and, when that cycle ends, run only if the plan's wake-up time,
     * computed again with the look grace of THEN, has come. The look grace now moves (this node's
     * lateness): if another worker's claim returned late in between, the recomputed wake-up lies
     * in the future, the remembered wake-up is dropped, and since it already fired nothing wakes
     * the plan again. Trigger and re-run cycles return no plan, so nothing re-arms it either: the
     * worker never runs a regular slot on this node again (here the node steps in for a frozen
     * preferred node, so nobody runs it; the same holds for a standby looking while settling, or
     * once this node becomes preferred - onRebalanced needs a passed slot, and there is none).
     *
     * Timeline: w (10 s, STEP_IN) plans slot 20 for 20.5 s; a trigger of w runs 20.2-21.0 s; the
     * wake-up fires at 20.5 s during it; worker a's claim of slot 20 returns at 20.8 s (0.8 s late:
     * load, or an overrun as above); at 21.0 s the plan's wake-up is 20 + 0.5 + 0.8 = 21.3 s, after
     * now: dropped. Before the change the grace was fixed, so a wake-up that fired had always come.
     */
    @Test
    void aWakeUpThatFiresDuringATriggeredRunIsNotLostWhenTheNodeTurnsLate() throws Exception {
        List<String> slots = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<CountDownLatch> gate = new java.util.concurrent.atomic.AtomicReference<>();
        coordination.roles.put("a", ClaimRole.PREFERRED);
        coordination.roles.put("w", ClaimRole.STEP_IN);
        manager.add(new TestWorker("a", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        manager.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> {
            CountDownLatch g = gate.getAndSet(null);
            if (g != null) {
                g.await(30, TimeUnit.SECONDS);
            }
            if (ctx.runKind() != dev.baton.worker.RunKind.TRIGGERED) {
                slots.add(ctx.scheduledAt().toString());
            }
        }));
        manager.start();
        time.advance(Duration.ofSeconds(16)); // 19.0 s: slot 10 ran (stand-in at 10.5)
        assertThat(slots).containsExactly("2026-01-01T00:00:10Z");

        CountDownLatch slowClaim = new CountDownLatch(1);
        coordination.claimBlockedWorker = "a";
        coordination.claimBlocked = slowClaim;
        time.advance(Duration.ofSeconds(1)); // 20.0 s: a's claim of slot 20 hangs; w plans its stand-in for 20.5 s
        assertThat(coordination.claimEntered.await(5, TimeUnit.SECONDS)).isTrue();
        time.advance(Duration.ofMillis(200)); // 20.2 s
        CountDownLatch triggeredRun = new CountDownLatch(1);
        gate.set(triggeredRun);
        manager.trigger("w");
        time.settle();
        time.advance(Duration.ofMillis(300)); // 20.5 s: w's wake-up fires during the triggered run
        time.advance(Duration.ofMillis(300)); // 20.8 s
        slowClaim.countDown();
        time.settle();
        time.advance(Duration.ofMillis(200)); // 21.0 s
        triggeredRun.countDown();
        time.settle();

        assertThat(recorder.results).as("the triggered run").anyMatch(r -> r.kind() == dev.baton.worker.RunKind.TRIGGERED);

        time.advance(Duration.ofSeconds(40)); // 61 s
        // The frozen node's session expires: this node now prefers w. Still nothing wakes the plan.
        coordination.roles.put("w", ClaimRole.PREFERRED);
        coordination.events.rebalanced();
        time.advance(Duration.ofSeconds(30)); // 91 s
        assertThat(slots).as("w goes on running its slots (20 late, 30, 40, 50, 60 as stand-in; 70, 80 preferred)")
                .contains("2026-01-01T00:00:30Z", "2026-01-01T00:00:40Z", "2026-01-01T00:00:50Z",
                        "2026-01-01T00:01:10Z", "2026-01-01T00:01:20Z");
    }

    /** A worker whose every run takes 3.9 s of its 2 s period, released by {@link #drive}. */
    private final class Overrun {
        final java.util.concurrent.atomic.AtomicReference<java.time.Instant> started =
                new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.Semaphore done = new java.util.concurrent.Semaphore(0);

        TestWorker worker(String name) {
            return new TestWorker(name, Schedule.fixedRate(Duration.ofSeconds(2)), ctx -> {
                started.set(ctx.scheduledAt());
                done.tryAcquire(30, TimeUnit.SECONDS);
            });
        }
    }

    private void drive(Duration total, Overrun... overruns) {
        for (long ms = 0; ms < total.toMillis(); ms += 100) {
            time.advance(Duration.ofMillis(100));
            for (Overrun o : overruns) {
                java.time.Instant at = o.started.get();
                if (at != null && !time.now().isBefore(at.plusMillis(3_900))) {
                    o.started.set(null);
                    o.done.release();
                    time.settle();
                }
            }
        }
    }

    /**
     * The liveness guard for views that stay apart (a healed split: every node standing by for one
     * worker) is the watch: it reads the records of slots passed as a standby once now is after
     * slot + grace + look grace (was slot + 2 x grace), and takes the worker up if the slot is
     * still current. Once a node's own lateness reaches period - 2 x grace, no passed slot of that
     * period ever qualifies before the next slot replaces it: the guard is off. Here both nodes
     * stand by for a 2.8 s worker w, and each also runs a report worker that overruns its 2 s period
     * (3.9 s runs: each next slot is claimed 1.9 s late, as a regular claim), an idle fleet
     * otherwise. Before the change the watch (every 50 s here) found w unrun at its first round
     * and the nodes ran it; with it (threshold 0.5 + 0.5 + 1.9 = 2.9 s > the period), w runs on no
     * node for minutes (for good). With Hazelcast's 0.3 s grace the same holds for any period up
     * to 0.6 s + lateness: the 1 s workers of the benchmark, once lateness passes 0.4 s. (Only a
     * watch that falls before the standby's own cycle of the current slot still sees a slot.)
     */
    @Test
    void standbysOnNodesWithAnOverrunningWorkerStillFindAWorkerNobodyRuns() {
        ScriptedCoordination other = new ScriptedCoordination(cluster.node("n2"));
        List<String> slots = new CopyOnWriteArrayList<>();
        Overrun report1 = new Overrun();
        Overrun report2 = new Overrun();
        coordination.roles.put("report1", ClaimRole.PREFERRED);
        coordination.roles.put("report2", ClaimRole.STANDBY);
        coordination.roles.put("w", ClaimRole.STANDBY);
        other.roles.put("report1", ClaimRole.STANDBY);
        other.roles.put("report2", ClaimRole.PREFERRED);
        other.roles.put("w", ClaimRole.STANDBY);
        try (BackgroundWorkerManager second = Baton.manager(other).scheduler(time).build()) {
            for (BackgroundWorkerManager m : List.of(manager, second)) {
                m.add(report1.worker("report1"));
                m.add(report2.worker("report2"));
                m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMillis(2_800)),
                        ctx -> slots.add(ctx.scheduledAt() + "@" + time.now())));
            }
            manager.start();
            second.start();
            drive(Duration.ofSeconds(170), report1, report2);
            report1.done.release(10);
            report2.done.release(10);
        }
        assertThat(slots).as("slots of w run once the watch found it unrun").isNotEmpty().doesNotHaveDuplicates();
    }
}
