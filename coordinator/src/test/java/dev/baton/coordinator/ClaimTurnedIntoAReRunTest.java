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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim of slot S2 that re-ran an earlier slot instead, on a node that then died: S2 was claimed
 * by nobody, and the standby that passed it must not take it for run. On records kept as Hazelcast
 * keeps them (a dead holder's run reads as running until a claim takes it over).
 */
class ClaimTurnedIntoAReRunTest {

    private static final Schedule EVERY_5S = Schedule.fixedRate(Duration.ofSeconds(5));
    private static final Instant S1 = EVERY_5S.nextAfter(Harness.START.plusSeconds(1)).orElseThrow();
    private static final Instant S2 = S1.plusSeconds(5);
    private static final Instant S3 = S1.plusSeconds(10);
    private static final Instant S4 = S1.plusSeconds(15);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final StickyRecords records = new StickyRecords(time.clock());
    private final Recorder recorder = new Recorder();
    private BackgroundWorkerManager survivor;

    @AfterEach
    void close() {
        if (survivor != null) {
            survivor.close();
        }
    }

    private void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
    }

    private List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind()).toList();
    }

    /** As below, with S1's first re-run dead too, so that the claim of S2 re-runs a re-run. */
    @Test
    void aSlotWhoseClaimReRanAReRunOnANodeThatDiedRunsLateOrIsReported() {
        ScriptedCoordination node = startStandby();

        advanceTo(S1.minusMillis(100));
        StickyRecords.Node first = records.node("dies-1");
        long fence = first.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow().fencingToken();
        records.kill(first);
        advanceTo(S1.plusSeconds(2));
        StickyRecords.Node rerun = records.node("dies-1b");
        rerun.claim(ClaimRequest.rerun("w", S1, fence)).orElseThrow();
        records.kill(rerun);
        advanceTo(S2);
        StickyRecords.Node second = records.node("dies-2");
        second.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow();
        records.kill(second);

        becomePreferredAfterS3(node);

        assertS2RanOrReported();
    }

    private ScriptedCoordination startStandby() {
        ScriptedCoordination node = new ScriptedCoordination(records.node("survivor"));
        node.roles.put("w", ClaimRole.STANDBY);
        survivor = Baton.manager(node).scheduler(time).listener(recorder).build();
        survivor.add(new TestWorker("w", EVERY_5S, WorkerOptions.defaults(), ctx -> { }));
        survivor.start();
        return node;
    }

    /** The death is noticed a lease later, after S3: the survivor is preferred from then on. */
    private void becomePreferredAfterS3(ScriptedCoordination node) {
        advanceTo(S3.plusSeconds(1));
        node.roles.put("w", ClaimRole.PREFERRED);
        node.events.rebalanced();
        time.settle();
        advanceTo(S4.plusSeconds(2));
    }

    private void assertS2RanOrReported() {
        boolean s2Ran = recorder.results.stream().anyMatch(r -> r.slot().equals(S2));
        boolean s2Reported = recorder.misfires.stream()
                .anyMatch(m -> !m.first().isAfter(S2) && !m.last().isBefore(S2));
        assertThat(s2Ran || s2Reported).as("runs %s, misfires %s", runs(), recorder.misfires).isTrue();
    }

    /**
     * The preferred node's claim of S2 re-ran S1 (left behind by a node that died) instead, and its
     * node died too. The survivor, a standby at S2 and S3, becomes preferred after S3 (the death is
     * noticed a lease later) and its catch-up of S3 re-runs S1 again. As the README promises (row 1:
     * "the slots since follow the misfire policy"; row 7: the node that runs the late slot reports
     * it), S2 then runs, coalesced with S3 or on its own, or at least is reported as a misfire.
     */
    @Test
    void aSlotWhoseClaimReRanAnEarlierSlotOnANodeThatDiedRunsLateOrIsReported() {
        ScriptedCoordination node = startStandby();

        advanceTo(S1.minusMillis(100));
        StickyRecords.Node first = records.node("dies-1");
        first.claim(ClaimRequest.scheduledOrRerun("w", S1)).orElseThrow();
        records.kill(first);
        advanceTo(S2);
        StickyRecords.Node second = records.node("dies-2");
        assertThat(second.claim(ClaimRequest.scheduledOrRerun("w", S2)).orElseThrow().kind())
                .isEqualTo(ClaimRequest.Kind.RERUN);
        records.kill(second);

        becomePreferredAfterS3(node);

        assertS2RanOrReported();
    }
}
