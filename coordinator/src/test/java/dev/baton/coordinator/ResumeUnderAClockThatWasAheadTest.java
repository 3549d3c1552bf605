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
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * As StandbysAndARecordAheadTest (every node stands by, the record lies minutes ahead after the
 * cluster clock stepped back), but an operator paused and resumed the worker while the clock was
 * still ahead. Each node keeps its resume instant on the clock that was ahead: after the step back it
 * lay five minutes in the future, so every slot counted as passed during the pause (no watch) and
 * the record-ahead wait started from it: the worker stayed idle until the clock reached the resume,
 * about as long as until it reached the record's slot. A resume the clock stepped back past is now
 * forgotten.
 */
class ResumeUnderAClockThatWasAheadTest {

    private static final Duration AHEAD = Duration.ofMinutes(5);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final AtomicLong offset = new AtomicLong(AHEAD.toMillis());
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, offset), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void everyNodeStandingByRunsTheWorkerSoonAfterAResumeUnderTheClockThatWasAhead() {
        stepBackAndCount(true);
    }

    /** The same without the pause. */
    @Test
    void everyNodeStandingByRunsTheWorkerSoonAfterTheStepBack() {
        stepBackAndCount(false);
    }

    private void stepBackAndCount(boolean pauseWhileAhead) {
        // Written by a node of the clock that was ahead, which is gone now.
        Instant ahead = Harness.START.plus(AHEAD).plusSeconds(2);
        cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        everyNodeStandsBy();
        // Before the first slot passes (none is watched under the clock that was ahead).
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(200));
        if (pauseWhileAhead) {
            managers.getFirst().pause("w");
        }
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(200));
        if (pauseWhileAhead) {
            managers.getFirst().resume("w");
        }
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(200));
        // A member joins: the median steps back to the right clock on every node at once.
        offset.set(0);
        int before = recorder.results.size();
        time.advance(Duration.ofSeconds(40));

        List<ExecutionResult> after = recorder.results.subList(before, recorder.results.size());
        assertThat(after).as("runs in the 40 s after the step back while every node stands by: %s",
                after.stream().map(r -> r.nodeId() + "@" + r.slot()).toList()).hasSizeGreaterThan(10);
    }

    private void everyNodeStandsBy() {
        for (String node : List.of("n1", "n2")) {
            ScriptedCoordination c = new ScriptedCoordination(SkewedClocks.shifted(time, cluster.node(node), offset));
            c.roles.put("w", ClaimRole.STANDBY);
            BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, offset)).listener(recorder).build();
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
            m.start();
            managers.add(m);
        }
    }
}
