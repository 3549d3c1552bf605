package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedNodes;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRole;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationEvents;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proof that a record ahead of a standby's clock was left ahead (its token stood still
 * for two periods and the grace) assumes that a live preferred node claims every period; a pause
 * holds the token still just as well. The clock steps forward 7.3 s: the preferred node sees it at
 * once, the standby (its balance settling, so it looks after the grace at each slot) about 8.7 s later.
 * While the standby lags, an operator pauses the worker for 4 s. Right after the resume, before the
 * preferred node's next claim, the standby's look at its slot 00:00:21 finds the correct record
 * (00:00:24, the last slot the preferred node ran before the pause) unchanged for 4 s, takes it for a
 * record left ahead, and rebased it back: slot 00:00:21, run by the preferred node before the
 * pause, ran again (and the next one too). Now nothing is proven while the worker is paused, and the
 * wait starts again at the resume.
 *
 * <p>Events are best effort (a listener re-registered, a partition moved): a standby that hears of
 * neither the pause nor the resume must read the pause from the record itself.
 */
class PauseDuringTheLagTest {

    private static final Duration STEP = Duration.ofMillis(7_300);

    private final SkewedNodes nodes = new SkewedNodes();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();

    @AfterEach
    void close() {
        nodes.close();
    }

    @Test
    void aLaggingStandbyRunsNoSlotTwiceAfterAShortPause() {
        pauseWhileTheStandbyLags(UnaryOperator.identity());
    }

    /** The record's own pause flag, which the standby reads, restarts the wait as the events do. */
    @Test
    void aStandbyThatMissedThePauseEventsRunsNoSlotTwice() {
        pauseWhileTheStandbyLags(PauseDuringTheLagTest::deafToPauses);
    }

    private void pauseWhileTheStandbyLags(UnaryOperator<Coordination> standbyHears) {
        ScriptedCoordination preferred = nodes.node("p", preferredOffset, ClaimRole.PREFERRED);
        ScriptedCoordination standby = nodes.start(
                new ScriptedCoordination(standbyHears.apply(nodes.coordination("s", standbyOffset))), standbyOffset,
                ClaimRole.STANDBY, WorkerOptions.defaults(), ctx -> { });
        nodes.time.advance(Duration.ofMillis(10_300));
        int before = nodes.recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween(9, 11);

        // 00:00:13.3: the clock steps forward; the preferred node sees it at once, the standby lags.
        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofMillis(3_700));
        // 00:00:17.0 (the preferred node's last claim before: 00:00:24 at 00:00:16.7)
        nodes.managers.getFirst().pause("w");
        nodes.advanceInRealTime(Duration.ofMillis(3_900));
        // 00:00:20.9: resumed; the preferred node's next claim comes at 00:00:21.7, the standby's look at 00:00:21.5.
        nodes.managers.getFirst().resume("w");
        nodes.advanceInRealTime(Duration.ofMillis(1_100));
        standbyOffset.addAndGet(STEP.toMillis());
        nodes.records.addAndGet(STEP.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(2));
        standby.settling = false;
        preferred.settling = false;
        nodes.advanceInRealTime(Duration.ofSeconds(1));

        nodes.expectNoSlotTwiceAndNoRunBy("s", before);
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
