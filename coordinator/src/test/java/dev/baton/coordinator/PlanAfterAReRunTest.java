package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.StickyRecords;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plan after a claim that turned into a re-run of an earlier slot: slots that fell during a
 * pause count not at all, however this node learned of the resume, and slots another node ran
 * meanwhile are not reported missed again. On records kept as Hazelcast keeps them.
 */
class PlanAfterAReRunTest {

    private static final Schedule EVERY_5S = Schedule.fixedRate(Duration.ofSeconds(5));
    private static final Instant S1 = EVERY_5S.nextAfter(Harness.START.plusSeconds(1)).orElseThrow();
    private static final Instant S2 = S1.plusSeconds(5);
    private static final Instant S3 = S1.plusSeconds(10);
    private static final Instant S4 = S1.plusSeconds(15);
    private static final Instant S5 = S1.plusSeconds(20);
    private static final Instant S6 = S1.plusSeconds(25);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final StickyRecords records = new StickyRecords(time.clock());
    private final Recorder recorder = new Recorder();
    private BackgroundWorkerManager manager;
    private BackgroundWorkerManager other;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
        if (other != null) {
            other.close();
        }
    }

    private void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
    }

    private List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind()).toList();
    }

    private ScriptedCoordination startPreferred() {
        ScriptedCoordination node = new ScriptedCoordination(records.node("node"));
        node.roles.put("w", ClaimRole.PREFERRED);
        manager = Baton.manager(node).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> { }));
        manager.start();
        return node;
    }

    /**
     * S1's node dies; the worker is paused from before S2 to after S4 (this node heard the pause).
     * The resume reaches this node only after its claim of S5 (events are asynchronous): the claim
     * re-runs S1, and the record the re-run completes with already says "not paused". S2..S4 fell
     * during the pause: they count not at all (README: a slot that fell during a pause is no misfire).
     */
    @Test
    void slotsOfAPauseWhoseResumeThisNodeHeardAfterItsClaimAreNoMisfire() {
        ScriptedCoordination node = startPreferred();
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node dies = records.node("dies");
        dies.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(dies);

        advanceTo(S1.plusSeconds(2));
        node.pause("w");
        node.events.pauseChanged("w", true);
        time.settle();
        advanceTo(S4.plusSeconds(2));
        node.resume("w");
        // The resume event is late: the claim of S5 comes first.
        advanceTo(S5.plusSeconds(2));
        node.events.pauseChanged("w", false);
        time.settle();
        advanceTo(S6.plusSeconds(2));

        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
        assertThat(recorder.misfires).as("runs %s, misfires %s", runs(), recorder.misfires)
                .noneMatch(m -> !m.first().isAfter(S4) && !m.last().isBefore(S2));
    }

    /**
     * As above, but this node never heard the pause (an event lost, or it came before the node
     * listened): it hears the resume, which finds it not paused, so no resume is remembered.
     */
    @Test
    void slotsOfAPauseWhoseStartThisNodeMissedAreNoMisfire() {
        ScriptedCoordination node = startPreferred();
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node dies = records.node("dies");
        dies.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(dies);

        advanceTo(S1.plusSeconds(2));
        node.pause("w");
        advanceTo(S4.plusSeconds(2));
        node.resume("w");
        node.events.pauseChanged("w", false);
        time.settle();
        advanceTo(S6.plusSeconds(2));

        assertThat(recorder.misfires).as("runs %s, misfires %s", runs(), recorder.misfires)
                .noneMatch(m -> !m.first().isAfter(S4) && !m.last().isBefore(S2));
    }

    /** The same with the resume heard in time. */
    @Test
    void slotsOfAPauseWhoseResumeThisNodeHeardInTimeAreNoMisfire() {
        ScriptedCoordination node = startPreferred();
        advanceTo(S1.minusMillis(100));
        StickyRecords.Node dies = records.node("dies");
        dies.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(dies);

        advanceTo(S1.plusSeconds(2));
        node.pause("w");
        node.events.pauseChanged("w", true);
        time.settle();
        advanceTo(S4.plusSeconds(2));
        node.resume("w");
        node.events.pauseChanged("w", false);
        time.settle();
        advanceTo(S6.plusSeconds(2));

        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
        assertThat(recorder.misfires).as("runs %s, misfires %s", runs(), recorder.misfires)
                .noneMatch(m -> !m.first().isAfter(S4) && !m.last().isBefore(S2));
    }

    /**
     * D's run of S1 dies. P's claim of S2 re-runs S1 instead; P's session is then cut off (P lives,
     * its re-run goes on until its renewal fails, at S4). Standby B, preferred after S3 while P is
     * cut off, catches S3 up: its claim re-runs S1 again, then it runs S3 coalesced with S2 and
     * reports S2..S3. P comes back preferred; its re-run ends LEASE_LOST at S4 and it plans from S1
     * too unless it reads the record: S2 (and S3, which B ran) would be reported missed twice.
     */
    @Test
    void slotsPassedBeforeAReRunAreReportedOnceWhenTheClaimsNodeLives() {
        StickyRecords.Node pSessions = records.node("p");
        ScriptedCoordination p = new ScriptedCoordination(pSessions);
        p.roles.put("w", ClaimRole.PREFERRED);
        AtomicInteger pRuns = new AtomicInteger();
        manager = Baton.manager(p).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> {
            if (pRuns.incrementAndGet() == 1) {
                Thread.sleep(Duration.ofHours(1));
            }
        }));
        ScriptedCoordination b = new ScriptedCoordination(records.node("b"));
        b.roles.put("w", ClaimRole.STANDBY);
        other = Baton.manager(b).scheduler(time).listener(recorder).build();
        other.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> { }));

        advanceTo(S1.minusMillis(100));
        StickyRecords.Node dies = records.node("dies");
        dies.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(dies);
        manager.start();
        other.start();

        advanceTo(S2.plusMillis(500));
        assertThat(records.state("w").running().kind()).as("P re-runs S1").isEqualTo(ClaimRequest.Kind.RERUN);
        advanceTo(S3.plusSeconds(1));
        records.rejoin(pSessions);
        p.roles.put("w", ClaimRole.STANDBY);
        b.roles.put("w", ClaimRole.PREFERRED);
        b.events.rebalanced();
        time.settle();
        advanceTo(S3.plusSeconds(2));
        p.roles.put("w", ClaimRole.PREFERRED);
        b.roles.put("w", ClaimRole.STANDBY);
        advanceTo(S5.plusSeconds(2));

        long reportsOfS2 = recorder.misfires.stream().filter(m -> !m.first().isAfter(S2) && !m.last().isBefore(S2))
                .count();
        assertThat(reportsOfS2).as("runs %s, misfires %s", runs(), recorder.misfires).isEqualTo(1);
    }
}
