package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Gate;
import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run overran the next slot, and meanwhile a node joined that the worker now prefers: the new
 * node's claim of that slot met the busy lock, and the node of the run is now a standby. The slot
 * still runs, late, once, as after an overrun on one node, and the worker goes back to its
 * preferred node (the container fault test's scale-out met it: a slot between a late run and the
 * new node's first was never run).
 */
class OverrunAcrossAHandOverTest {

    private static final Schedule EVERY_10S = Schedule.fixedRate(Duration.ofSeconds(10));
    private static final Instant S0 = EVERY_10S.nextAfter(Harness.START).orElseThrow();
    private static final Instant S1 = S0.plusSeconds(10);
    private static final Instant S2 = S0.plusSeconds(20);
    private static final Instant S3 = S0.plusSeconds(30);
    private static final Instant S5 = S0.plusSeconds(50);
    private static final WorkerOptions SKIP = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
    /** A worker name the balance gives to n2 once n2 has joined. */
    private static final String WORKER = Harness.workerPreferredBy("n2", "n1");

    private final ManualTime time = ManualTime.at(Harness.START);
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock());
    private final Recorder recorder = new Recorder();
    private final Map<Instant, Gate> gates = new ConcurrentHashMap<>();
    /** Scheduled runs of these slots wait at their gate. */
    private final Set<Instant> gated = ConcurrentHashMap.newKeySet();
    /** When set, every scheduled run waits at its gate, and {@link #entered} says when it got there. */
    private volatile Duration everyRunTakes;
    private final Map<Instant, Instant> entered = new ConcurrentHashMap<>();
    private final Gate triggered = new Gate();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        gates.values().forEach(Gate::open);
        triggered.open();
        for (int i = managers.size() - 1; i >= 0; i--) {
            managers.get(i).close();
        }
    }

    private Gate gate(Instant slot) {
        return gates.computeIfAbsent(slot, s -> new Gate());
    }

    private BackgroundWorkerManager node(String id, WorkerOptions options) {
        BackgroundWorkerManager manager = Baton.manager(cluster.node(id)).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker(WORKER, EVERY_10S, options, ctx -> {
            if (ctx.runKind() == RunKind.TRIGGERED) {
                triggered.pass();
            } else if (everyRunTakes != null || gated.contains(ctx.scheduledAt())) {
                entered.put(ctx.scheduledAt(), time.now());
                gate(ctx.scheduledAt()).pass();
            }
        }));
        manager.start();
        managers.add(manager);
        return manager;
    }

    private void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
    }

    private static void await(Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(condition);
    }

    private void finish(Instant slot) {
        gate(slot).open();
        await(() -> recorder.results.stream().anyMatch(r -> r.slot().equals(slot)));
        time.settle();
    }

    private List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind() + " on " + r.nodeId()).toList();
    }

    /** n1 runs S0 until 5 s past S1; n2 joins during it and is preferred from then on. */
    private void overrunWhileANodeJoins(WorkerOptions options) throws InterruptedException {
        gated.add(S0);
        node("n1", options);
        advanceTo(S0);
        gate(S0).awaitEntered();
        node("n2", options);
        advanceTo(S1.plusSeconds(5));
        finish(S0);
        advanceTo(S2.plusSeconds(1));
    }

    @Test
    void theSlotTheRunOverranRunsLateOnceOnThePreferredNode() throws InterruptedException {
        overrunWhileANodeJoins(WorkerOptions.defaults());

        assertThat(runs()).containsExactly(S0 + " SCHEDULED on n1", S1 + " SCHEDULED on n2", S2 + " SCHEDULED on n2");
        assertThat(recorder.results.get(1).startLateness()).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(recorder.misfires).isEmpty();
    }

    /** Under SKIP, a slot overrun by more than the misfire threshold is skipped and reported, as on one node. */
    @Test
    void underMisfireSkipTheOverrunSlotIsSkippedAndReportedAsOnOneNode() throws InterruptedException {
        overrunWhileANodeJoins(SKIP);

        assertThat(runs()).containsExactly(S0 + " SCHEDULED on n1", S2 + " SCHEDULED on n2");
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first, Recorder.Misfire::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(S1, 1L));
    }

    /** Every run takes 13 s of the 10 s period, so each overruns the next slot: the preferred node still gets the worker. */
    @Test
    void runsThatKeepOverrunningGoBackToThePreferredNode() throws InterruptedException {
        everyRunTakes = Duration.ofSeconds(13);
        node("n1", WorkerOptions.defaults());
        advanceTo(S0);
        await(() -> entered.containsKey(S0));
        node("n2", WorkerOptions.defaults());
        Set<Instant> finished = ConcurrentHashMap.newKeySet();
        while (time.now().isBefore(S5.plusSeconds(5))) {
            for (Map.Entry<Instant, Instant> e : entered.entrySet()) {
                if (!e.getValue().plus(everyRunTakes).isAfter(time.now()) && finished.add(e.getKey())) {
                    finish(e.getKey());
                }
            }
            time.advance(Duration.ofSeconds(1));
        }

        assertThat(recorder.results).as("runs: %s", runs()).extracting(ExecutionResult::nodeId)
                .startsWith("n1").containsOnlyOnce("n1");
        assertThat(recorder.results).extracting(ExecutionResult::slot).doesNotHaveDuplicates();
    }

    /** n1 closes gracefully during its overrun: it drains the run and claims nothing more; n2 still runs S1. */
    @Test
    void theOverrunSlotRunsWhenTheNodeOfTheRunClosesAfterIt() throws Exception {
        gated.add(S0);
        BackgroundWorkerManager n1 = node("n1", WorkerOptions.defaults());
        advanceTo(S0);
        gate(S0).awaitEntered();
        node("n2", WorkerOptions.defaults());
        advanceTo(S1.plusSeconds(5));

        Thread closing = Thread.ofPlatform().name("closing-n1").start(n1::close);
        await(() -> closing.getState() == Thread.State.TIMED_WAITING);
        gate(S0).open();
        closing.join(10_000);
        managers.remove(n1);
        time.settle();
        advanceTo(S2.plusSeconds(1));

        assertThat(runs()).containsExactly(S0 + " SCHEDULED on n1", S1 + " SCHEDULED on n2", S2 + " SCHEDULED on n2");
    }

    /** A triggered run held the lock from 5 s before S1 to 5 s after it: under SKIP, S1 is skipped. */
    @Test
    void underMisfireSkipASlotATriggeredRunOverranIsSkippedOnOneNode() throws InterruptedException {
        triggerAcrossS1(false);

        assertThat(runs()).containsExactly(S0 + " SCHEDULED on n1", S0.plusSeconds(5) + " TRIGGERED on n1",
                S2 + " SCHEDULED on n1");
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first).containsExactly(S1);
    }

    @Test
    void underMisfireSkipASlotATriggeredRunOverranIsSkippedAcrossAHandOver() throws InterruptedException {
        triggerAcrossS1(true);

        assertThat(runs()).containsExactly(S0 + " SCHEDULED on n1", S0.plusSeconds(5) + " TRIGGERED on n1",
                S2 + " SCHEDULED on n2");
        assertThat(recorder.misfires).extracting(Recorder.Misfire::first).containsExactly(S1);
    }

    private void triggerAcrossS1(boolean join) throws InterruptedException {
        BackgroundWorkerManager n1 = node("n1", SKIP);
        advanceTo(S0.plusSeconds(5));
        n1.trigger(WORKER);
        triggered.awaitEntered();
        if (join) {
            node("n2", SKIP);
        }
        advanceTo(S1.plusSeconds(5));
        triggered.open();
        await(() -> recorder.results.stream().anyMatch(r -> r.kind() == RunKind.TRIGGERED));
        time.settle();
        advanceTo(S2.plusSeconds(1));
    }
}
