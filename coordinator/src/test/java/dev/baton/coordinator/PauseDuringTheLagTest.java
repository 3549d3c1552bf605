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
import org.junit.jupiter.api.AutoClose;
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

    @AutoClose
    private final SkewedNodes nodes = new SkewedNodes();
    private final AtomicLong preferredOffset = new AtomicLong();
    private final AtomicLong standbyOffset = new AtomicLong();
    private ScriptedCoordination preferred;
    private ScriptedCoordination standby;


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
        int before = startThenStep(standbyHears, STEP);
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

    /*
     * A pause between two looks: the setting above (the clock steps forward, the preferred node p sees it
     * at once, the standby s lags and, its balance settling, looks after the grace at each slot; each look
     * restarts its record-ahead wait at p's latest token), except that the balance settles just before the
     * operator pauses the worker (00:00:16.6: s's last look, at 16.5, saw p's latest token; p's claim at
     * 16.7 is refused), so s does not look while the worker is paused, and settles again right after the
     * resume at 00:00:20.9. s's first look after the resume (21.5, before p's first claim after it at
     * 21.7) must not take the time the pause held p's correct record still for "nobody claims".
     */

    /**
     * Right at the resume s's estimate steps back 2 s (a member whose clock was ahead leaves). The
     * resume, stamped 20.9 on s's clock, then lay more than a second ahead of it, so it was ignored and
     * the wait counted from 16.5, through the pause: s rebased p's record and ran 00:00:19, and later
     * slot 00:00:29 ran twice. Now every pause or resume a node hears of starts its wait again.
     */
    @Test
    void aStepBackRightAfterTheResumeDoesNotMakeThePauseCountAsNobodyClaiming() {
        pauseUnseenByALook(Duration.ofMillis(7_300), Duration.ofSeconds(2), UnaryOperator.identity());
    }

    @Test
    void withoutTheStepBackNothingIsRebased() {
        pauseUnseenByALook(Duration.ofMillis(7_300), Duration.ZERO, UnaryOperator.identity());
    }

    /**
     * s hears neither the pause nor the resume (events are best effort) and never reads the record
     * while it is paused. It rebased p's record and ran 00:00:21 and 00:00:22, and later slot 00:00:31
     * ran twice. The record's pause token, which every pause and resume changes, now starts the wait
     * again. The step is 9.3 s so that p's record still lies ahead of s's clock after the pause.
     */
    @Test
    void aStandbyThatMissedThePauseAndDidNotLookDuringItRunsNoSlotTwice() {
        pauseUnseenByALook(Duration.ofMillis(9_300), Duration.ZERO, PauseDuringTheLagTest::deafToPauses);
    }

    private void pauseUnseenByALook(Duration step, Duration stepBack, UnaryOperator<Coordination> standbyHears) {
        int before = startThenStep(standbyHears, step);
        nodes.advanceInRealTime(Duration.ofMillis(3_300));
        // 00:00:16.6: the balance has settled; paused after s's look at 16.5, before p's claim at 16.7.
        standby.settling = false;
        preferred.settling = false;
        nodes.managers.getFirst().pause("w");
        nodes.advanceInRealTime(Duration.ofMillis(4_300));
        // 00:00:20.9: resumed; s's estimate may step back, and its balance settles again.
        nodes.managers.getFirst().resume("w");
        standbyOffset.addAndGet(-stepBack.toMillis());
        nodes.records.addAndGet(-stepBack.toMillis());
        standby.settling = true;
        nodes.advanceInRealTime(Duration.ofMillis(1_500));
        // s's samples catch up.
        standbyOffset.set(step.toMillis());
        nodes.records.set(step.toMillis());
        nodes.advanceInRealTime(Duration.ofSeconds(2));
        standby.settling = false;
        nodes.advanceInRealTime(Duration.ofSeconds(1));

        nodes.expectNoSlotTwiceAndNoRunBy("s", before);
    }

    /**
     * Starts p and s (s's coordination as {@code hears} makes it), runs them 10.3 s on one clock, then at
     * 00:00:13.3 steps the clock forward: p sees it at once, s lags, both balances settling. The runs before.
     */
    private int startThenStep(UnaryOperator<Coordination> hears, Duration step) {
        preferred = nodes.node("p", preferredOffset, ClaimRole.PREFERRED);
        standby = nodes.start(new ScriptedCoordination(hears.apply(nodes.coordination("s", standbyOffset))), standbyOffset,
                ClaimRole.STANDBY, WorkerOptions.defaults(), ctx -> { });
        nodes.time.advance(Duration.ofMillis(10_300));
        int before = nodes.recorder.results.size();
        assertThat(before).as("runs while the clocks agree").isBetween(9, 11);
        standby.settling = true;
        preferred.settling = true;
        preferredOffset.addAndGet(step.toMillis());
        return before;
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
