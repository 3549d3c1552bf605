package dev.baton.coordinator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The record's rules, applied twice, late, and under clocks that disagree. */
class ClaimRulesTest {

    private static final long NOW = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();

    private static ClaimRules.Claim claim(ClaimRequest r, long claimId, long now) {
        return new ClaimRules.Claim(r, "n1", "s1", claimId, now, now, 0, ClaimRules.REBASE_MIN_MILLIS);
    }

    private static Instant at(long millis) {
        return Instant.ofEpochMilli(millis);
    }

    private static SlotState claimed(SlotState s, ClaimRequest r, long id) {
        return ClaimRules.claim(s, claim(r, id, NOW), false).orElseThrow().state();
    }

    @Test
    void aClaimAppliedTwiceReturnsTheLeaseItMadeAndTakesNothing() {
        SlotState empty = SlotState.empty("w");
        ClaimRules.Claim c = claim(ClaimRequest.scheduled("w", at(NOW)), 7, NOW);
        SlotState first = ClaimRules.claim(empty, c, false).orElseThrow().state();

        Optional<ClaimRules.Claimed> again = ClaimRules.claim(first, c, false);

        assertThat(again).isPresent();
        assertThat(again.get().replay()).isTrue();
        assertThat(again.get().state()).isEqualTo(first);
    }

    @Test
    void aClaimReplayedAfterItsRunFinishedClaimsNothing() {
        ClaimRules.Claim c = claim(ClaimRequest.scheduled("w", at(NOW)), 7, NOW);
        SlotState running = ClaimRules.claim(SlotState.empty("w"), c, false).orElseThrow().state();
        SlotState done = ClaimRules.complete(running, running.fence(), 7, Outcome.SUCCEEDED, NOW + 5).orElseThrow();

        assertThat(ClaimRules.claim(done, c, false)).isEmpty();
    }

    @Test
    void aLateReRunRequestCannotTakeOverALaterRun() {
        SlotState first = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        long crashedFence = first.fence();
        SlotState rerun = claimed(first, ClaimRequest.rerun("w", at(NOW), crashedFence), 2);

        assertThat(rerun.lastOutcome()).isEqualTo(Outcome.CRASHED);
        assertThat(ClaimRules.claim(rerun, claim(ClaimRequest.rerun("w", at(NOW), crashedFence), 3, NOW), false))
                .as("the re-run of the first run, arriving late, finds a later run").isEmpty();
    }

    /**
     * The holder of slot NOW died mid-run; the claim of the next slot arrives before anyone's re-run
     * request (the node that claims it first is not the one the lock's end told to re-run).
     */
    @Test
    void aScheduledClaimAfterARunThatDiedReRunsThatSlotBeforeMovingOn() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);

        SlotState taken = claimed(died, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 2);

        assertThat(taken.running().kind()).isEqualTo(ClaimRequest.Kind.RERUN);
        assertThat(taken.running().slot()).isEqualTo(NOW);
        assertThat(taken.lastSlot()).as("the later slot is still to claim").isEqualTo(NOW);
        assertThat(taken.lastOutcome()).isEqualTo(Outcome.CRASHED);
        assertThat(taken.fence()).isGreaterThan(died.fence());
        SlotState rerunDone = ClaimRules.complete(taken, taken.fence(), 2, Outcome.SUCCEEDED, NOW + 5100).orElseThrow();
        SlotState next = claimed(rerunDone, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 3);
        assertThat(next.running().kind()).isEqualTo(ClaimRequest.Kind.SCHEDULED);
        assertThat(next.running().slot()).isEqualTo(NOW + 5000);
        assertThat(ClaimRules.claim(rerunDone, claim(ClaimRequest.rerun("w", at(NOW), died.fence()), 4, NOW), false))
                .as("the re-run request that arrives last finds the slot done").isEmpty();
    }

    @Test
    void aSlotGivenBackUnfinishedIsReRunByTheNextScheduledClaimButARunThatFinishedIsNot() {
        SlotState running = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState interrupted = ClaimRules.complete(running, running.fence(), 1, Outcome.INTERRUPTED, NOW + 50)
                .orElseThrow();
        SlotState failed = ClaimRules.complete(running, running.fence(), 1, Outcome.FAILED, NOW + 50).orElseThrow();

        assertThat(claimed(interrupted, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 2).running().slot())
                .isEqualTo(NOW);
        assertThat(claimed(failed, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 2).running().slot())
                .as("a failure closes its slot: it runs again at the next one").isEqualTo(NOW + 5000);
    }

    @Test
    void aTriggeredClaimAfterARunThatDiedReRunsThatSlotAndTheTriggerStaysAskedFor() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState asked = died.withFlags(died.flags().withTrigger(100));

        SlotState taken = claimed(asked, ClaimRequest.triggeredOrRerun("w", at(NOW + 2000)), 2);

        assertThat(taken.running().kind()).isEqualTo(ClaimRequest.Kind.RERUN);
        assertThat(taken.running().slot()).isEqualTo(NOW);
        assertThat(taken.flags().triggerPending()).isTrue();
        SlotState rerunDone = ClaimRules.complete(taken, taken.fence(), 2, Outcome.SUCCEEDED, NOW + 2100).orElseThrow();
        SlotState trigger = claimed(rerunDone, ClaimRequest.triggeredOrRerun("w", at(NOW + 2200)), 3);
        assertThat(trigger.running().kind()).isEqualTo(ClaimRequest.Kind.TRIGGERED);
        assertThat(trigger.flags().triggerPending()).isFalse();
    }

    @Test
    void aTriggeredRunThatDiedOrAWorkerThatSkipsCrashesMovesOnToTheLaterSlot() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState done = ClaimRules.complete(died, died.fence(), 1, Outcome.SUCCEEDED, NOW + 50).orElseThrow();
        SlotState triggeredDied = claimed(done.withFlags(done.flags().withTrigger(100)),
                ClaimRequest.triggered("w", at(NOW + 100)), 3);

        assertThat(claimed(triggeredDied, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 4).running().slot())
                .isEqualTo(NOW + 5000);
        assertThat(claimed(died, ClaimRequest.scheduled("w", at(NOW + 5000)), 4).running().slot())
                .as("CrashPolicy.SKIP").isEqualTo(NOW + 5000);
    }

    /** Each re-run of slot NOW dies too, its node killed as the slot's work kills it. */
    @Test
    void aSlotWhoseReRunDiedTooIsReRunByTheNextClaimUpToThreeTimesThenPassedBy() {
        SlotState s = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        for (int rerun = 1; rerun <= ClaimRules.MAX_RERUNS; rerun++) {
            s = claimed(s, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 1 + rerun);
            assertThat(s.running().kind()).as("re-run %d", rerun).isEqualTo(ClaimRequest.Kind.RERUN);
            assertThat(s.running().slot()).isEqualTo(NOW);
            assertThat(s.reruns()).isEqualTo(rerun);
        }

        assertThat(ClaimRules.claim(s, claim(ClaimRequest.rerun("w", at(NOW), s.fence()), 10, NOW), false))
                .as("a re-run request beyond the bound").isEmpty();
        SlotState next = claimed(s, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 11);
        assertThat(next.running().kind()).isEqualTo(ClaimRequest.Kind.SCHEDULED);
        assertThat(next.running().slot()).isEqualTo(NOW + 5000);
        assertThat(next.reruns()).as("a new slot starts the count again").isZero();
        assertThat(claimed(next, ClaimRequest.scheduledOrRerun("w", at(NOW + 10000)), 12).running().kind())
                .as("the new slot's own death is re-run again").isEqualTo(ClaimRequest.Kind.RERUN);
    }

    @Test
    void reRunRequestsAndTakeOversShareOneCountAndATriggerLeavesIt() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState requested = claimed(died, ClaimRequest.rerun("w", at(NOW), died.fence()), 2);
        SlotState interrupted = ClaimRules.complete(requested, requested.fence(), 2, Outcome.INTERRUPTED, NOW + 90)
                .orElseThrow();
        SlotState taken = claimed(interrupted, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 3);
        SlotState twice = claimed(taken, ClaimRequest.rerun("w", at(NOW), taken.fence()), 4);

        assertThat(List.of(requested.reruns(), taken.reruns(), twice.reruns())).containsExactly(1, 2, 3);
        assertThat(claimed(twice, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 5).running().slot())
                .isEqualTo(NOW + 5000);

        SlotState done = ClaimRules.complete(requested, requested.fence(), 2, Outcome.SUCCEEDED, NOW + 90)
                .orElseThrow();
        SlotState trigger = claimed(done.withFlags(done.flags().withTrigger(100)),
                ClaimRequest.triggered("w", at(NOW + 100)), 6);
        assertThat(trigger.reruns()).isEqualTo(1);
    }

    /** A claim of a later slot that re-ran the left-behind one instead leaves its slot on the record, still to run. */
    @Test
    void aScheduledClaimThatReRanTheLeftBehindSlotKeepsTheEarliestSuchSlotUntilALaterSlotIsClaimed() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);

        SlotState first = claimed(died, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 2);
        SlotState second = claimed(first, ClaimRequest.scheduledOrRerun("w", at(NOW + 10000)), 3);
        SlotState asked = second.withFlags(second.flags().withTrigger(100));
        SlotState trigger = claimed(asked, ClaimRequest.triggeredOrRerun("w", at(NOW + 11000)), 4);
        SlotState done = ClaimRules.complete(trigger, trigger.fence(), 4, Outcome.SUCCEEDED, NOW + 11100).orElseThrow();
        SlotState later = claimed(done, ClaimRequest.scheduledOrRerun("w", at(NOW + 10000)), 5);

        assertThat(died.deferred()).isEqualTo(SlotState.NONE);
        assertThat(first.deferred()).isEqualTo(NOW + 5000);
        assertThat(second.deferred()).as("the earliest stays").isEqualTo(NOW + 5000);
        assertThat(trigger.running().kind()).as("a trigger re-runs it too").isEqualTo(ClaimRequest.Kind.RERUN);
        assertThat(trigger.deferred()).as("a trigger is no slot").isEqualTo(NOW + 5000);
        assertThat(later.running().kind()).isEqualTo(ClaimRequest.Kind.SCHEDULED);
        assertThat(later.deferred()).as("a later slot claimed").isEqualTo(SlotState.NONE);
        assertThat(first.toRecord().deferredSlot()).contains(at(NOW + 5000));
    }

    /**
     * A later slot's claim that goes past the deferred slot says so, also on a replay and on a re-run
     * of its slot, until a run of its slot finishes it or a later slot is claimed.
     */
    @Test
    void aScheduledClaimThatGoesPastTheDeferredSlotCarriesItUntilTheNextClaim() {
        SlotState died = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState deferring = claimed(died, ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 2);
        ClaimRules.Claim pastIt = claim(ClaimRequest.scheduled("w", at(NOW + 15000)), 3, NOW + 15000);
        SlotState lost = ClaimRules.claim(deferring, pastIt, false).orElseThrow().state();
        SlotState replayed = ClaimRules.claim(lost, pastIt, false).orElseThrow().state();
        SlotState done = ClaimRules.complete(lost, lost.fence(), 3, Outcome.SUCCEEDED, NOW + 15100).orElseThrow();
        SlotState next = claimed(done, ClaimRequest.scheduled("w", at(NOW + 20000)), 4);
        SlotState ranIt = claimed(deferring, ClaimRequest.scheduled("w", at(NOW + 5000)), 5);
        SlotState reRun = claimed(lost, ClaimRequest.scheduledOrRerun("w", at(NOW + 20000)), 6);
        SlotState interrupted = ClaimRules.complete(lost, lost.fence(), 3, Outcome.INTERRUPTED, NOW + 15100)
                .orElseThrow();

        assertThat(deferring.passed()).as("a re-run passes nothing").isEqualTo(SlotState.NONE);
        assertThat(lost.passed()).isEqualTo(NOW + 5000);
        assertThat(lost.deferred()).isEqualTo(SlotState.NONE);
        assertThat(lost.passedSlot()).contains(at(NOW + 5000));
        assertThat(replayed.passed()).as("a replay").isEqualTo(NOW + 5000);
        assertThat(done.passed()).as("its run finished the slot").isEqualTo(SlotState.NONE);
        assertThat(next.passed()).as("the next claim").isEqualTo(SlotState.NONE);
        assertThat(ranIt.passed()).as("the deferred slot claimed itself").isEqualTo(SlotState.NONE);
        assertThat(interrupted.passed()).as("its run gave the slot back").isEqualTo(NOW + 5000);
        assertThat(reRun.running().kind()).isEqualTo(ClaimRequest.Kind.RERUN);
        assertThat(reRun.passedSlot()).as("its re-run reports it").contains(at(NOW + 5000));
    }

    @Test
    void aCompletionAppliedTwiceReturnsTheSameRecordAndAStaleOneNothing() {
        SlotState running = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        SlotState done = ClaimRules.complete(running, running.fence(), 1, Outcome.SUCCEEDED, NOW + 9).orElseThrow();

        assertThat(ClaimRules.complete(done, running.fence(), 1, Outcome.SUCCEEDED, NOW + 20)).contains(done);
        SlotState next = claimed(done, ClaimRequest.scheduled("w", at(NOW + 1000)), 2);
        assertThat(ClaimRules.complete(next, running.fence(), 1, Outcome.FAILED, NOW + 30)).isEmpty();
    }

    @Test
    void aTriggeredRunHasAnInstantOfItsOwnAndLeavesTheRegularSlotsAlone() {
        SlotState s = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);
        s = ClaimRules.complete(s, s.fence(), 1, Outcome.SUCCEEDED, NOW + 5).orElseThrow();
        s = s.withFlags(s.flags().withTrigger(100));

        SlotState triggered = claimed(s, ClaimRequest.triggered("w", at(NOW)), 2);

        assertThat(triggered.running().slot()).isGreaterThan(NOW);
        assertThat(triggered.lastSlot()).isEqualTo(NOW);
        assertThat(triggered.flags().triggerPending()).isFalse();
        SlotState done = ClaimRules.complete(triggered, triggered.fence(), 2, Outcome.SUCCEEDED, NOW + 9).orElseThrow();
        assertThat(ClaimRules.claim(done, claim(ClaimRequest.scheduled("w", at(NOW + 1000)), 3, NOW + 1000), false))
                .as("the next regular slot is not swallowed").isPresent();
    }

    /** A worker whose crashed runs run again: its trigger's run cut short is asked for again, like a slot's. */
    @Test
    void aTriggeredRunCutShortByItsNodeIsAskedForAgainAndServedByTheNextTriggerClaim() {
        SlotState asked = SlotState.empty("w").withFlags(SlotState.Flags.NONE.withTrigger(100, 7));
        SlotState running = claimed(asked, ClaimRequest.triggeredOrRerun("w", at(NOW)), 1);
        assertThat(running.flags().triggerPending()).isFalse();

        SlotState interrupted = ClaimRules.complete(running, running.fence(), 1, Outcome.INTERRUPTED, NOW + 5)
                .orElseThrow();
        assertThat(interrupted.flags().triggerPending()).as("its node stopped before the run ended").isTrue();
        assertThat(interrupted.flags().askedBy(100, 7)).as("a late copy of the trigger is still its own").isTrue();
        SlotState again = claimed(interrupted, ClaimRequest.triggeredOrRerun("w", at(NOW + 10)), 2);
        assertThat(again.running().kind()).isEqualTo(ClaimRequest.Kind.TRIGGERED);
        assertThat(again.flags().triggerPending()).isFalse();

        SlotState crashed = ClaimRules.claim(again, claim(ClaimRequest.scheduledOrRerun("w", at(NOW + 5000)), 3,
                NOW + 5000), false).orElseThrow().state();
        assertThat(crashed.lastOutcome()).isEqualTo(Outcome.CRASHED);
        assertThat(crashed.flags().triggerPending()).as("its node died; found by the next claim of any kind").isTrue();
        SlotState done = ClaimRules.complete(crashed, crashed.fence(), 3, Outcome.SUCCEEDED, NOW + 5010).orElseThrow();
        SlotState third = claimed(done, ClaimRequest.triggeredOrRerun("w", at(NOW + 5020)), 4);
        SlotState finished = ClaimRules.complete(third, third.fence(), 4, Outcome.FAILED, NOW + 5030).orElseThrow();
        assertThat(finished.flags().triggerPending()).as("a run that ended, even failing, serves it").isFalse();
    }

    @Test
    void aCutShortTriggerRunsAgainAtMostThreeTimesAndNotForAWorkerThatSkipsCrashes() {
        SlotState s = SlotState.empty("w").withFlags(SlotState.Flags.NONE.withTrigger(100, 7));
        int runs = 0;
        for (long id = 1; s.flags().triggerPending(); id++) {
            SlotState run = claimed(s, ClaimRequest.triggeredOrRerun("w", at(NOW + id)), id);
            s = ClaimRules.complete(run, run.fence(), id, Outcome.LEASE_LOST, NOW + id).orElseThrow();
            runs++;
        }
        assertThat(runs).as("the first run and three more").isEqualTo(1 + ClaimRules.MAX_RERUNS);
        SlotState next = s.withFlags(s.flags().withTrigger(200, 8));
        SlotState nextRun = claimed(next, ClaimRequest.triggeredOrRerun("w", at(NOW + 100)), 100);
        assertThat(ClaimRules.complete(nextRun, nextRun.fence(), 100, Outcome.INTERRUPTED, NOW + 101).orElseThrow()
                .flags().triggerPending()).as("a new trigger counts its own cuts").isTrue();

        SlotState skipping = claimed(next, ClaimRequest.triggered("w", at(NOW + 100)), 100);
        assertThat(ClaimRules.complete(skipping, skipping.fence(), 100, Outcome.INTERRUPTED, NOW + 101).orElseThrow()
                .flags().triggerPending()).as("CrashPolicy.SKIP").isFalse();
    }

    @Test
    void aTriggerAskedForDuringARunCutShortIsTheOneStillAskedForAndOneRunServesBoth() {
        SlotState asked = SlotState.empty("w").withFlags(SlotState.Flags.NONE.withTrigger(100, 7));
        SlotState running = claimed(asked, ClaimRequest.triggeredOrRerun("w", at(NOW)), 1);
        SlotState second = running.withFlags(running.flags().withTrigger(300, 9));

        SlotState cut = ClaimRules.complete(second, second.fence(), 1, Outcome.INTERRUPTED, NOW + 5).orElseThrow();

        assertThat(cut.flags()).isEqualTo(second.flags());
        SlotState run = claimed(cut, ClaimRequest.triggeredOrRerun("w", at(NOW + 10)), 2);
        SlotState done = ClaimRules.complete(run, run.fence(), 2, Outcome.SUCCEEDED, NOW + 20).orElseThrow();
        assertThat(done.flags().triggerPending()).isFalse();
    }

    @Test
    void aRecordAheadOfTheClockIsRebasedOnlyWhenTheClaimerAndTheRecordAgree() {
        long ahead = NOW + 300_000;
        SlotState s = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(ahead)), 1);
        s = ClaimRules.complete(s, s.fence(), 1, Outcome.SUCCEEDED, ahead + 5).orElseThrow();

        assertThat(ClaimRules.claim(s, claim(ClaimRequest.scheduled("w", at(NOW + 1000)), 2, NOW + 1000), false))
                .as("a plain claim before the last slot").isEmpty();
        Optional<ClaimRules.Claimed> rebased = ClaimRules.claim(s,
                claim(ClaimRequest.rebased("w", at(NOW + 1000)), 3, NOW + 1000), false);
        assertThat(rebased).isPresent();
        assertThat(rebased.get().state().lastSlot()).isEqualTo(NOW + 1000);
        assertThat(rebased.get().state().fence()).isGreaterThan(s.fence());
        assertThat(ClaimRules.claim(s, claim(ClaimRequest.rebased("w", at(ahead - 500)), 4, ahead - 1000), false))
                .as("a record only half a second ahead is not rebased").isEmpty();
    }

    @Test
    void aRebaseNamingATokenRebasesOnlyTheRecordThatHoldsIt() {
        long ahead = NOW + 300_000;
        SlotState s = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(ahead)), 1);
        s = ClaimRules.complete(s, s.fence(), 1, Outcome.SUCCEEDED, ahead + 5).orElseThrow();

        assertThat(ClaimRules.claim(s, claim(ClaimRequest.rebased("w", at(NOW + 1000), s.fence() - 1), 2, NOW + 1000),
                false)).as("the record was written again since the claimer read it").isEmpty();
        Optional<ClaimRules.Claimed> rebased = ClaimRules.claim(s,
                claim(ClaimRequest.rebased("w", at(NOW + 1000), s.fence()), 3, NOW + 1000), false);
        assertThat(rebased.map(c -> c.state().lastSlot())).contains(NOW + 1000);
    }

    @Test
    void fencingTokensRiseAboveTheFloorAndThePreviousTokenWhateverTheClock() {
        long floor = (NOW + 600_000) << ClaimRules.COUNTER_BITS;
        assertThat(ClaimRules.nextFence(5, floor, NOW)).isEqualTo(floor + 1);
        assertThat(ClaimRules.nextFence(floor + 10, floor, NOW)).isEqualTo(floor + 11);
        assertThat(ClaimRules.nextFence(0, 0, NOW)).isEqualTo(NOW << ClaimRules.COUNTER_BITS);
    }

    @Test
    void aClaimNeverEndsARunWhoseHolderIsAlive() {
        SlotState running = claimed(SlotState.empty("w"), ClaimRequest.scheduled("w", at(NOW)), 1);

        assertThat(ClaimRules.claim(running, claim(ClaimRequest.scheduled("w", at(NOW + 1000)), 2, NOW + 1000), true))
                .isEmpty();
        SlotState taken = ClaimRules.claim(running,
                claim(ClaimRequest.scheduled("w", at(NOW + 1000)), 2, NOW + 1000), false).orElseThrow().state();
        assertThat(taken.lastOutcome()).isEqualTo(Outcome.CRASHED);
    }

    /**
     * A call of an earlier claim that Hazelcast applies late, after the same session's next claim:
     * a run recorded for the claimer's own session counts as over, so without the order of the
     * session's claim ids the late call would record the running run as crashed and take the record.
     */
    @Test
    void anEarlierClaimOfTheSessionNeverEndsItsLaterRun() {
        SlotState triggered = SlotState.empty("w").withFlags(SlotState.Flags.NONE.withTrigger(5));
        SlotState later = claimed(triggered, ClaimRequest.scheduled("w", at(NOW + 1000)), 102);

        assertThat(ClaimRules.claim(later, claim(ClaimRequest.triggered("w", at(NOW)), 101, NOW + 1500), false))
                .as("claim 101 of the session, landing while its claim 102 runs").isEmpty();
        SlotState next = ClaimRules.claim(later, claim(ClaimRequest.scheduled("w", at(NOW + 2000)), 103, NOW + 2000),
                false).orElseThrow().state();
        assertThat(next.lastOutcome()).as("a later claim of the session still ends a run it left behind")
                .isEqualTo(Outcome.CRASHED);
    }
}
