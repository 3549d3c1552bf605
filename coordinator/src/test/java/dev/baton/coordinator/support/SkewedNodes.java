package dev.baton.coordinator.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.InMemoryCluster;
import dev.baton.coordinator.InMemoryCoordination;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nodes on manual time that each estimate the cluster clock with their own offset, running one
 * worker "w" every second, over one in-memory cluster whose claims are judged by {@link #records}
 * (as on Hazelcast, where a claim is judged by the claimer's own estimate).
 */
public final class SkewedNodes implements AutoCloseable {

    public final ManualTime time = ManualTime.at(Harness.START);
    /** The clock claims are judged by: usually the lagging node's estimate. */
    public final AtomicLong records = new AtomicLong();
    public final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, records),
            Duration.ofSeconds(5));
    public final Recorder recorder = new Recorder();
    public final List<BackgroundWorkerManager> managers = new ArrayList<>();

    /** A node running a no-op "w" every second in {@code role}, its cluster clock {@code own} off manual time. */
    public ScriptedCoordination node(String name, AtomicLong own, ClaimRole role) {
        return start(new ScriptedCoordination(coordination(name, own)), own, role, WorkerOptions.defaults(), ctx -> { });
    }

    /** Node {@code name}'s coordination, its estimate of the cluster clock {@code own} off manual time. */
    public Coordination coordination(String name, AtomicLong own) {
        return SkewedClocks.shifted(time, cluster.node(name), own);
    }

    /** Starts a node on {@code c} (made from {@link #coordination}) running "w" every second with {@code work}. */
    public ScriptedCoordination start(ScriptedCoordination c, AtomicLong own, ClaimRole role, WorkerOptions options,
                                      TestWorker.Body work) {
        c.roles.put("w", role);
        BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, own)).listener(recorder).build();
        m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), options, work));
        m.start();
        managers.add(m);
        return c;
    }

    public void advanceInRealTime(Duration d) {
        SkewedClocks.advanceInRealTime(time, d);
    }

    /** No slot ran twice, and {@code node} ran nothing after the first {@code before} runs. */
    public void expectNoSlotTwiceAndNoRunBy(String node, int before) {
        List<ExecutionResult> all = recorder.results;
        List<String> seen = all.subList(before, all.size()).stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        assertThat(all.stream().map(ExecutionResult::slot).toList())
                .as("slots run (each at most once); since the step: %s", seen).doesNotHaveDuplicates();
        assertThat(all.subList(before, all.size()).stream().filter(r -> r.nodeId().equals(node)).toList())
                .as("runs by the lagging node %s, each a rebase of the preferred node's correct record: %s", node, seen)
                .isEmpty();
    }

    @Override
    public void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }
}
