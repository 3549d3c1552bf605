package dev.baton.coordinator.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Worker "w", every 5 s from slot S1, on records kept as Hazelcast keeps them ({@link StickyRecords}),
 * for scenarios in which nodes die around re-runs: scripted nodes run it, hand-driven ones claim
 * and die. Closing it closes the managers it started.
 */
public final class FiveSecondSlots implements AutoCloseable {

    public static final Schedule EVERY_5S = Schedule.fixedRate(Duration.ofSeconds(5));
    public static final Instant S1 = EVERY_5S.nextAfter(Harness.START.plusSeconds(1)).orElseThrow();
    public static final Instant S2 = S1.plusSeconds(5);
    public static final Instant S3 = S1.plusSeconds(10);
    public static final Instant S4 = S1.plusSeconds(15);
    public static final Instant S5 = S1.plusSeconds(20);
    public static final Instant S6 = S1.plusSeconds(25);

    public final ManualTime time = ManualTime.at(Harness.START);
    public final StickyRecords records = new StickyRecords(time.clock());
    public final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    /** Starts a manager running "w" with {@code body} on a scripted node in {@code role}. */
    public ScriptedCoordination start(StickyRecords.Node node, ClaimRole role, TestWorker.Body body) {
        return start(node, role, WorkerOptions.defaults(), body);
    }

    /** As {@link #start(StickyRecords.Node, ClaimRole, TestWorker.Body)}, with {@code options}. */
    public ScriptedCoordination start(StickyRecords.Node node, ClaimRole role, WorkerOptions options,
                                      TestWorker.Body body) {
        ScriptedCoordination scripted = new ScriptedCoordination(node);
        scripted.roles.put("w", role);
        BackgroundWorkerManager manager = Baton.manager(scripted).scheduler(time).listener(recorder).build();
        manager.add(new TestWorker("w", EVERY_5S, options, body));
        managers.add(manager);
        manager.start();
        return scripted;
    }

    /** The manager started {@code index}-th (from 0). */
    public BackgroundWorkerManager manager(int index) {
        return managers.get(index);
    }

    public ScriptedCoordination start(String node, ClaimRole role) {
        return start(records.node(node), role, ctx -> { });
    }

    /** A node claims {@code slot} (re-running an unfinished last slot first) and dies; returns the kind it got. */
    public ClaimRequest.Kind claimsAndDies(String node, Instant slot) {
        StickyRecords.Node dies = records.node(node);
        ClaimRequest.Kind kind = dies.claim(ClaimRequest.scheduledOrRerun("w", slot)).orElseThrow().kind();
        records.kill(dies);
        return kind;
    }

    public void advanceTo(Instant t) {
        time.advance(Duration.between(time.now(), t));
        time.settle();
    }

    /**
     * Waits in real time (bounded) for what the engine does between its looks, which pause for real,
     * settling the manual clock's due tasks meanwhile.
     */
    public void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            time.settle();
        }
        time.settle();
        assertThat(done.getAsBoolean()).as("%s; runs %s, claims lost %s", what, runs(), recorder.claimsLost).isTrue();
    }

    /** The runs so far, for assertion messages. */
    public List<String> runs() {
        return recorder.results.stream().map(r -> r.slot() + " " + r.kind() + "@" + r.startedAt()).toList();
    }

    public boolean ranOrReported(Instant slot) {
        boolean ran = recorder.results.stream().anyMatch(r -> r.slot().equals(slot) && r.kind() != RunKind.RERUN);
        return ran || reportsOf(slot) > 0;
    }

    public long reportsOf(Instant slot) {
        return recorder.misfires.stream().filter(m -> !m.first().isAfter(slot) && !m.last().isBefore(slot)).count();
    }

    public void assertRanOrReported(Instant slot) {
        assertThat(ranOrReported(slot)).as("%s ran or was reported; runs %s, misfires %s, claims lost %s", slot,
                runs(), recorder.misfires, recorder.claimsLost).isTrue();
    }

    public void assertReRanS1() {
        assertThat(recorder.results).as("runs %s", runs())
                .anyMatch(r -> r.slot().equals(S1) && r.kind() == RunKind.RERUN);
    }

    /** Asserts that no misfire report covers a slot from {@code first} to {@code last}. */
    public void assertNoMisfireWithin(Instant first, Instant last) {
        assertThat(recorder.misfires).as("runs %s, misfires %s", runs(), recorder.misfires)
                .noneMatch(m -> !m.first().isAfter(last) && !m.last().isBefore(first));
    }

    @Override
    public void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }
}
