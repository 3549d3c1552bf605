package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.CronDialect;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * As StandbysAndARecordAheadTest (every node stands by, the record lies ahead, written under a
 * clock that was ahead), for a cron worker that runs every second of minute 0 of each hour. The
 * record's slot is the last of the burst (00:00:59), 56 s ahead; the worker's gap at the nodes'
 * clock is 1 s. A wait of two gaps after the record's slot (59 min 1 s, as 59562d0 had it) kept the
 * standbys waiting about two hours: the worker idle until the clock reached the record's slot, every
 * slot of the burst before it lost. The wait is two gaps at the node's own clock.
 */
class StandbysAndARecordAheadAtTheEndOfACronBurstTest {

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void everyNodeStandingByRunsTheBurstSoonWhenTheRecordLiesAtItsLastSecond() {
        Instant ahead = Instant.parse("2026-01-01T00:00:59Z");
        cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        for (String node : List.of("n1", "n2")) {
            ScriptedCoordination c = new ScriptedCoordination(cluster.node(node));
            c.roles.put("w", ClaimRole.STANDBY);
            BackgroundWorkerManager m = Baton.manager(c).scheduler(time).listener(recorder).build();
            m.add(new TestWorker("w", Schedule.cron("* 0 * * * ?", ZoneOffset.UTC, CronDialect.QUARTZ), ctx -> { }));
            m.start();
            managers.add(m);
        }
        time.advance(Duration.ofSeconds(40));

        List<Instant> slots = recorder.results.stream().map(ExecutionResult::slot).toList();
        assertThat(slots).as("slots of the burst run in 40 s while every node stands by").hasSizeGreaterThan(10);
    }
}
