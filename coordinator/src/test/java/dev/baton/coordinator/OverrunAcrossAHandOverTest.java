package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.coordinator.internal.Balance;
import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run overran the next slot, and meanwhile a node joined that the worker now prefers. The new
 * node's claim of that slot met the busy lock; the overrunning node is now a standby. The slot
 * still runs, late, once, as after an overrun on one node (the container fault test's scale-out
 * met it: a slot between a late run and the new node's first was never run).
 */
class OverrunAcrossAHandOverTest {

    private static final Schedule EVERY_10S = Schedule.fixedRate(Duration.ofSeconds(10));
    private static final Instant LONG = EVERY_10S.nextAfter(Harness.START).orElseThrow();
    private static final Instant OVERRUN = EVERY_10S.nextAfter(LONG).orElseThrow();
    private static final Instant AFTER = EVERY_10S.nextAfter(OVERRUN).orElseThrow();
    /** A worker name the balance gives to n2 once n2 has joined. */
    private static final String WORKER = IntStream.range(0, 100).mapToObj(i -> "w" + i)
            .filter(w -> "n2".equals(Balance.assign(Map.of("n1", Set.of(w), "n2", Set.of(w))).get(w)))
            .findFirst().orElseThrow();

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final Recorder recorder = new Recorder();
    private final Gate longRun = new Gate();
    private BackgroundWorkerManager n1;
    private BackgroundWorkerManager n2;

    @AfterEach
    void close() {
        longRun.open();
        for (BackgroundWorkerManager m : new BackgroundWorkerManager[] {n2, n1}) {
            if (m != null) {
                m.close();
            }
        }
    }

    private BackgroundWorkerManager node(String id, WorkerOptions options) {
        BackgroundWorkerManager manager = Baton.manager(cluster.node(id)).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker(WORKER, EVERY_10S, options, ctx -> {
            if (ctx.scheduledAt().equals(LONG)) {
                longRun.pass();
            }
        }));
        manager.start();
        return manager;
    }

    /** n1 runs slot LONG until 5 s past OVERRUN; n2 joins during it and is preferred from then on. */
    private void overrunWhileANodeJoins(WorkerOptions options) throws InterruptedException {
        n1 = node("n1", options);
        time.advance(Duration.between(time.now(), LONG));
        longRun.awaitEntered();
        n2 = node("n2", options);
        time.advance(Duration.between(time.now(), OVERRUN.plusSeconds(5)));
        longRun.open();
        await(() -> recorder.results.stream().anyMatch(r -> r.slot().equals(LONG)));
        time.settle();
        time.advance(Duration.between(time.now(), AFTER.plusSeconds(1)));
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(condition);
    }

    @Test
    void theSlotTheRunOverranRunsLateOnceAndTheNewNodeTakesTheNext() throws InterruptedException {
        overrunWhileANodeJoins(WorkerOptions.defaults());

        assertThat(recorder.results).extracting(ExecutionResult::slot, ExecutionResult::nodeId)
                .containsExactly(tuple(LONG, "n1"), tuple(OVERRUN, "n1"), tuple(AFTER, "n2"));
        assertThat(recorder.results.get(1).startLateness()).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }

    /** Under SKIP, a slot overrun by more than the misfire threshold is skipped, on one node as on two. */
    @Test
    void underMisfireSkipTheOverrunSlotIsSkippedAsOnOneNode() throws InterruptedException {
        overrunWhileANodeJoins(WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP));

        assertThat(recorder.results).extracting(ExecutionResult::slot, ExecutionResult::nodeId)
                .containsExactly(tuple(LONG, "n1"), tuple(AFTER, "n2"));
    }
}
