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
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * As {@link PauseDuringTheLagTest}, but the lagging standby never hears of the pause nor of the resume
 * (events are best effort: a listener re-registered, a partition moved). Its {@code paused}/{@code resumedAt}
 * stay as they were. The pause holds the preferred node's correct record still for 3.9 s; the standby
 * counted that as "nobody claims" and, right after the resume, rebased the correct record, so slots the
 * preferred node ran ran again. The record's own pause flag, which the standby reads, now restarts the wait.
 */
class PauseEventsMissedByALaggingStandbyTest {

    private static final Duration STEP = Duration.ofMillis(7_300);

    private final ManualTime time = ManualTime.at(Harness.START);
    private final AtomicLong recordsOffset = new AtomicLong();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, recordsOffset), Duration.ofSeconds(5));
    private final Recorder recorder = new Recorder();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(BackgroundWorkerManager::close);
    }

    @Test
    void aStandbyThatMissedThePauseEventsRunsNoSlotTwice() {
        ScriptedCoordination preferred = node("p", preferredOffset, ClaimRole.PREFERRED, false);
        ScriptedCoordination standby = node("s", standbyOffset, ClaimRole.STANDBY, true);
        time.advance(Duration.ofMillis(10_300));
        int before = recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween(9, 11);

        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(3_700));
        managers.getFirst().pause("w");
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(3_900));
        managers.getFirst().resume("w");
        SkewedClocks.advanceInRealTime(time, Duration.ofMillis(1_100));
        standbyOffset.addAndGet(STEP.toMillis());
        recordsOffset.addAndGet(STEP.toMillis());
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(2));
        standby.settling = false;
        preferred.settling = false;
        SkewedClocks.advanceInRealTime(time, Duration.ofSeconds(1));

        List<ExecutionResult> all = recorder.results;
        List<String> seen = all.subList(before, all.size()).stream().map(r -> r.nodeId() + "@" + r.slot()).toList();
        assertThat(all.stream().map(ExecutionResult::slot).toList())
                .as("slots run (each at most once); since the step: %s", seen).doesNotHaveDuplicates();
        assertThat(all.subList(before, all.size()).stream().filter(r -> r.nodeId().equals("s")).toList())
                .as("runs by the lagging standby, each a rebase of the preferred node's correct record: %s", seen)
                .isEmpty();
    }

    private ScriptedCoordination node(String name, AtomicLong own, ClaimRole role, boolean deafToPauses) {
        Coordination real = SkewedClocks.shifted(time, cluster.node(name), own);
        ScriptedCoordination c = new ScriptedCoordination(deafToPauses ? deafToPauses(real) : real);
        c.roles.put("w", role);
        BackgroundWorkerManager m = Baton.manager(c).scheduler(SkewedClocks.delays(time, own)).listener(recorder).build();
        m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
        m.start();
        managers.add(m);
        return c;
    }

    /** The coordination as it is, except that no pauseChanged event reaches this node. */
    static Coordination deafToPauses(Coordination real) {
        return (Coordination) Proxy.newProxyInstance(Coordination.class.getClassLoader(), new Class<?>[] {Coordination.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("start") && args != null && args.length == 1
                            && args[0] instanceof CoordinationEvents events) {
                        args = new Object[] {dropPauses(events)};
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static CoordinationEvents dropPauses(CoordinationEvents events) {
        return (CoordinationEvents) Proxy.newProxyInstance(CoordinationEvents.class.getClassLoader(),
                new Class<?>[] {CoordinationEvents.class}, (proxy, method, args) -> {
                    if (method.getName().equals("pauseChanged")) {
                        return null;
                    }
                    try {
                        return method.invoke(events, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
