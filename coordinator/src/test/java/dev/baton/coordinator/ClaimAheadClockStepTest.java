package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.SkewedClocks;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A cluster clock that steps back under a wait ahead of a slot (found by a review of the claim ahead). */
class ClaimAheadClockStepTest {

    private static final Schedule EVERY_10S = Schedule.fixedRate(Duration.ofSeconds(10));
    private final ManualTime time = ManualTime.at(Harness.START);
    private final AtomicLong offset = new AtomicLong();
    private final InMemoryCluster cluster = InMemoryCoordination.cluster(SkewedClocks.clock(time, offset), Duration.ofSeconds(30));
    private final Recorder recorder = new Recorder();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private ScriptedCoordination node(Duration lead) {
        return node(lead, EVERY_10S);
    }

    private ScriptedCoordination node(Duration lead, Schedule schedule) {
        return node(lead, schedule, SkewedClocks.delays(time, offset));
    }

    private ScriptedCoordination node(Duration lead, Schedule schedule, dev.baton.coordinator.TaskScheduler scheduler) {
        ScriptedCoordination n1 = new ScriptedCoordination(SkewedClocks.shifted(time, cluster.node("n1"), offset));
        BackgroundWorkerManager m = Baton.manager(n1).scheduler(scheduler).listener(recorder)
                .claimAhead(lead).build();
        toClose.add(m);
        m.add(new TestWorker("report", schedule, ctx -> { }));
        m.start();
        return n1;
    }

    private Instant cluster() {
        return time.now().plusMillis(offset.get());
    }

    /** A refused early claim holds nothing: after a step back of 3 s it must not claim and start 3 s early. */
    @Test
    void aRefusedEarlyClaimDoesNotStartBeforeItsInstantAfterAStepBack() {
        ScriptedCoordination n1 = node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:09.850")));
        n1.refuseNext.set(1);
        time.advance(Duration.ofMillis(100)); // 9.95: woken ahead, early claim refused, waiting for 10.0
        assertThat(recorder.starts).isEmpty();
        offset.addAndGet(-3_000); // the cluster clock steps back 3 s (median moves)
        time.advance(Duration.ofMillis(100));
        assertThat(recorder.starts).allSatisfy(s -> assertThat(s.startedAt()).as("start of slot %s (cluster now %s)",
                s.slot(), cluster()).isAfterOrEqualTo(s.slot()));
    }

    /** A step back of a minute (members with clocks minutes apart joining) under such a wait: the worker goes on from the clock. */
    @Test
    void aWorkerWaitingWithNothingClaimedGoesOnFromTheClockAfterAStepBackOfAMinute() {
        ScriptedCoordination n1 = node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:09.850")));
        n1.refuseNext.set(1);
        time.advance(Duration.ofMillis(100));
        offset.addAndGet(-60_000);
        time.advance(Duration.ofSeconds(3));
        assertThat(recorder.starts).as("runs within 3 s of the step back (cluster now %s)", cluster()).isNotEmpty()
                .allSatisfy(s -> assertThat(s.startedAt()).isAfterOrEqualTo(s.slot()));
    }

    /** Control: without a lead, the same step back re-plans the slot; nothing starts early. */
    @Test
    void withoutALeadTheSameStepBackStartsNothingEarly() {
        ScriptedCoordination n1 = node(Duration.ZERO);
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        offset.addAndGet(-3_000);
        time.advance(Duration.ofMillis(100));
        time.advance(Duration.ofSeconds(5));
        assertThat(recorder.starts).isNotEmpty().allSatisfy(s -> assertThat(s.startedAt()).isAfterOrEqualTo(s.slot()));
    }

    /** A paused node woken ahead, resumed before the instant, then a 3 s step back: no early start either. */
    @Test
    void aWaitWithNothingClaimedThenAResumeDoesNotStartEarlyAfterAStepBack() {
        ScriptedCoordination n1 = node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:05")));
        cluster.node("ops").pause("report");
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        cluster.node("ops").resume("report");
        time.settle();
        offset.addAndGet(-3_000);
        time.advance(Duration.ofMillis(100));
        assertThat(recorder.starts).allSatisfy(s -> assertThat(s.startedAt()).as("start of slot %s", s.slot())
                .isAfterOrEqualTo(s.slot()));
    }

    /** Sanity: a half-second step back under a claimed wait is waited out. */
    @Test
    void aHalfSecondStepBackUnderAClaimedWaitIsWaitedOut() {
        node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        offset.addAndGet(-500);
        time.advance(Duration.ofMillis(100));
        assertThat(recorder.starts).isEmpty();
        time.advance(Duration.ofMillis(500));
        assertThat(recorder.starts).singleElement().satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
    }

    /**
     * The step back comes while the claim ahead is on its way (ClockOffsetIT, a node five minutes
     * ahead restarted into a fleet whose median it had not heard yet): the wait for the instant,
     * armed after the step, would last those minutes with the slot claimed, and the worker run
     * nowhere. The slot starts, as if claimed at its instant, and the worker goes on from the clock
     * (its next slot ten seconds on by the clock as it is now). The slot's name comes round again
     * five minutes later and runs again, as every slot run under a clock that was ahead does.
     */
    @Test
    void aClaimAheadAnsweredAfterAStepBackOfMinutesDoesNotWaitThoseMinutes() throws InterruptedException {
        stepBackWhileTheClaimAheadIsOnItsWay(300_000);
        time.advance(Duration.ofSeconds(3));
        assertThat(recorder.starts).as("runs within 3 s of the step back (cluster now %s)", cluster())
                .extracting(s -> s.slot()).containsExactly(at("00:00:10"), at("00:00:10").minusSeconds(300));
    }

    /** A step back within the period while the claim ahead is on its way (found by review): waited out, no early start. */
    @Test
    void aClaimAheadAnsweredAfterAStepBackOfThreeSecondsStartsAtTheInstant() throws InterruptedException {
        stepBackWhileTheClaimAheadIsOnItsWay(3_000);
        time.advance(Duration.ofSeconds(5));
        assertThat(recorder.starts).as("starts (cluster now %s)", cluster()).singleElement()
                .satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
    }

    /** The same step back under the claimed wait: waited out as well, since it passes no slot of a 10 s worker. */
    @Test
    void aThreeSecondStepBackUnderAClaimedWaitOfATenSecondWorkerIsWaitedOut() {
        node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        offset.addAndGet(-3_000);
        time.advance(Duration.ofSeconds(1));
        assertThat(recorder.starts).isEmpty();
        time.advance(Duration.ofSeconds(3));
        assertThat(recorder.starts).singleElement().satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
    }

    /**
     * Second review (5c1fd88): a 10 s worker with the longest lead, 1 s; the clock steps back 9.5 s,
     * less than a period, while the claim of slot 20 is on its way. Slot 10 already ran: measured from
     * the clock, it lies between, but waiting passes over no slot still to run.
     */
    @Test
    void aStepBackShorterThanAPeriodBeforeTheWaitDoesNotStartTheSlotAPeriodEarly() throws InterruptedException {
        ScriptedCoordination n1 = node(Duration.ofSeconds(1));
        stepBackWhileTheClaimAheadIsOnItsWay(n1, at("00:00:19"), 9_500);
        time.advance(Duration.ofSeconds(12));
        assertThat(recorder.starts).extracting(s -> s.slot()).contains(at("00:00:10"), at("00:00:20"));
        assertThat(recorder.starts).allSatisfy(s -> assertThat(s.startedAt())
                .as("start of slot %s (claims lost %s)", s.slot(), recorder.claimsLost).isAfterOrEqualTo(s.slot()));
    }

    /** The same with a cron of seconds 0 and 2 of each minute: a step back of 1.95 s, less than the 2 s gap. */
    @Test
    void aCronStepBackShorterThanTheGapBeforeTheWaitDoesNotStartTheSlotEarly() throws InterruptedException {
        Schedule cron = Schedule.cron("0,2 * * * * ?", java.time.ZoneOffset.UTC, dev.baton.worker.CronDialect.QUARTZ);
        ScriptedCoordination n1 = node(Baton.DEFAULT_CLAIM_AHEAD, cron);
        stepBackWhileTheClaimAheadIsOnItsWay(n1, at("00:01:01.900"), 1_950);
        time.advance(Duration.ofSeconds(4));
        assertThat(recorder.starts).extracting(s -> s.slot()).contains(at("00:01:00"), at("00:01:02"));
        assertThat(recorder.starts).allSatisfy(s -> assertThat(s.startedAt())
                .as("start of slot %s (claims lost %s)", s.slot(), recorder.claimsLost).isAfterOrEqualTo(s.slot()));
    }

    /**
     * Second review: an hourly slot claimed ahead, the clock five minutes back under the wait (a member
     * with a slow clock joins) and forward again ten seconds later (it leaves). The wait follows the
     * clock: the slot starts within a second and the lead of its instant, not five minutes later.
     */
    @Test
    void aLongWaitFollowsTheClockWhenItStepsForwardAgain() {
        node(Baton.DEFAULT_CLAIM_AHEAD, Schedule.fixedRate(Duration.ofHours(1)));
        time.advance(Duration.between(time.now(), at("01:00:00").minusMillis(50))); // woken, claimed, waiting
        offset.addAndGet(-300_000);
        time.advance(Duration.ofMillis(100));
        time.advance(Duration.ofSeconds(10));
        offset.addAndGet(300_000); // the cluster clock at 01:00:10.05
        time.advance(Duration.ofSeconds(5));
        assertThat(recorder.starts).as("starts (cluster now %s)", cluster()).singleElement().satisfies(s ->
                assertThat(s.startedAt()).isBetween(s.slot(), s.slot().plusSeconds(10).plusMillis(1_200)));
    }

    /**
     * Third review (f273f88): an hourly slot claimed ahead; the clock five minutes back under the wait
     * (less than the gap: waited out), then twice more by 3 s. A count of steps back ended the wait at
     * the third and started the slot nearly five minutes early.
     */
    @Test
    void furtherStepsBackUnderALongWaitDoNotStartAnHourlySlotEarly() {
        node(Baton.DEFAULT_CLAIM_AHEAD, Schedule.fixedRate(Duration.ofHours(1)), SkewedClocks.realDelays(time, offset));
        time.advance(Duration.between(time.now(), at("01:00:00").minusMillis(50)));
        offset.addAndGet(-300_000);
        time.advance(Duration.ofMillis(100));
        for (int step = 0; step < 2; step++) {
            time.advance(Duration.ofSeconds(10));
            offset.addAndGet(-3_000);
        }
        time.advance(Duration.ofSeconds(10));
        assertThat(recorder.starts).as("starts (cluster now %s)", cluster()).isEmpty();
        time.advance(Duration.ofMinutes(6));
        assertThat(recorder.starts).singleElement().satisfies(s -> assertThat(s.startedAt())
                .isBetween(s.slot(), s.slot().plusMillis(1_200)));
    }

    /** The same with a 10 s worker: three steps back of 2.5 s under its claimed wait, 7.5 s in all, less than the period. */
    @Test
    void threeStepsBackWithinAPeriodDoNotStartATenSecondSlotEarly() {
        node(Baton.DEFAULT_CLAIM_AHEAD, EVERY_10S, SkewedClocks.realDelays(time, offset));
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        for (int step = 0; step < 3; step++) {
            offset.addAndGet(-2_500);
            time.advance(Duration.ofMillis(step == 0 ? 600 : 1_100));
        }
        time.advance(Duration.ofSeconds(9));
        assertThat(recorder.starts).as("starts (cluster now %s)", cluster()).singleElement()
                .satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
    }

    /** A 3 s step back under the claimed wait, then the median converging back 60 ms a second: waited out. */
    @Test
    void aClockDriftingBackSlowlyAfterAStepIsWaitedOut() {
        node(Baton.DEFAULT_CLAIM_AHEAD);
        time.advance(Duration.between(time.now(), at("00:00:09.950")));
        offset.addAndGet(-3_000);
        for (int i = 0; i < 50; i++) {
            time.advance(Duration.ofMillis(100));
            offset.addAndGet(-6);
        }
        assertThat(recorder.starts).as("starts (cluster now %s)", cluster()).singleElement()
                .satisfies(s -> assertThat(s.startedAt()).isBetween(s.slot(), s.slot().plusSeconds(1)));
    }

    /** Wakes 100 ms before {@code wake}'s lead; the claim is granted, and the clock steps back before its answer arrives. */
    private void stepBackWhileTheClaimAheadIsOnItsWay(long millis) throws InterruptedException {
        stepBackWhileTheClaimAheadIsOnItsWay(node(Baton.DEFAULT_CLAIM_AHEAD), at("00:00:09.950"), millis);
    }

    private void stepBackWhileTheClaimAheadIsOnItsWay(ScriptedCoordination n1, Instant wake, long millis)
            throws InterruptedException {
        time.advance(Duration.between(time.now(), wake.minusMillis(100)));
        n1.blockAfterGrant = true;
        n1.claimBlocked = new java.util.concurrent.CountDownLatch(1);
        time.advance(Duration.ofMillis(100)); // woken ahead, the claim granted, its answer held back
        assertThat(n1.claimEntered.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        offset.addAndGet(-millis);
        n1.blockAfterGrant = false;
        n1.claimBlocked.countDown();
        time.settle();
    }
}
