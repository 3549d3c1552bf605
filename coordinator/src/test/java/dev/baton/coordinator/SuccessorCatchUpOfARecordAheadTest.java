package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The preferred node dies while its worker's record lies five minutes ahead (the
 * cluster clock stepped back). Its successor passed the slot as a standby; told of the rebalance it
 * is now preferred and catches the slot up (onRebalanced -> catchUp): as the preferred node it
 * rebases the record at once, as its regular claim does, without first waiting for the record to
 * prove that nobody claims by it (it never looked at it before). Otherwise the slot is lost, unreported.
 */
class SuccessorCatchUpOfARecordAheadTest {

    private static final Duration PERIOD = Duration.ofSeconds(30);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void theSuccessorCatchesUpTheSlotItsDeadPredecessorLeftWhileTheRecordLiesAhead() {
        Instant ahead = Harness.START.plus(Duration.ofMinutes(5));
        cluster.node("gone").claim(ClaimRequest.scheduled("w", ahead)).orElseThrow().complete(Outcome.SUCCEEDED);
        ScriptedCoordination n1 = new ScriptedCoordination(cluster.node("n1"));
        n1.roles.put("w", ClaimRole.STANDBY);
        BackgroundWorkerManager m = Baton.manager(n1).scheduler(time).listener(recorder).build();
        m.add(new TestWorker("w", Schedule.fixedRate(PERIOD), ctx -> { }));
        m.start();
        managers.add(m);

        Instant slot = Instant.parse("2026-01-01T00:00:30Z");
        time.advance(Duration.between(time.now(), slot.plusSeconds(2)));
        assertThat(recorder.results).as("runs while standing by").isEmpty();
        // The preferred node ("gone") is found dead: n1 prefers the worker now.
        n1.roles.put("w", ClaimRole.PREFERRED);
        n1.events.rebalanced();
        time.advance(Duration.ofSeconds(10));

        assertThat(recorder.results.stream().map(ExecutionResult::slot).toList())
                .as("slots run in the 10 s after the rebalance; misfires reported: %s", recorder.misfires)
                .contains(slot);
    }
}
