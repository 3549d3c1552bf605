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
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes that disagree for a while on who prefers a worker can all stand by; the watch finds the
 * slots nobody ran and one of them runs the worker again. A record whose last slot lies minutes
 * ahead (written while the cluster clock was ahead: two members, the later clock of the two, then
 * a third member moved the median back) must not look to the watch like a worker that keeps
 * running: run ClockOffsetIT on CI saw a 1 s worker idle for 40 s after such a step back.
 */
class StandbysAndARecordAheadTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void everyNodeStandingByStillRunsTheWorkerSoon() {
        everyNodeStandsBy();
        time.advance(Duration.ofSeconds(30));

        assertThat(recorder.results).as("runs in 30 s while every node stands by").hasSizeGreaterThan(10);
    }

    @Test
    void everyNodeStandingByStillRunsTheWorkerSoonWhenItsRecordLiesMinutesAhead() {
        Instant ahead = Harness.START.plus(Duration.ofMinutes(5));
        cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        everyNodeStandsBy();
        time.advance(Duration.ofSeconds(30));

        assertThat(recorder.results).as("runs in 30 s while every node stands by").hasSizeGreaterThan(10);
        assertThat(recorder.results.getFirst().slot()).as("slots on the clock as it is now").isBefore(ahead);
    }

    private void everyNodeStandsBy() {
        for (String node : List.of("n1", "n2")) {
            ScriptedCoordination c = new ScriptedCoordination(cluster.node(node));
            c.roles.put("w", ClaimRole.STANDBY);
            BackgroundWorkerManager m = Baton.manager(c).scheduler(time).listener(recorder).build();
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
            m.start();
            managers.add(m);
        }
    }
}
