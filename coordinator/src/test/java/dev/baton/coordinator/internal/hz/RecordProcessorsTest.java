package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The records' entry processors as Hazelcast may run them: twice for one call, late, and on a
 * backup that must end up with exactly the primary's state.
 */
class RecordProcessorsTest {

    private static final long NOW = Instant.parse("2026-06-01T12:00:00Z").toEpochMilli();

    /** A map entry as an entry processor sees it. */
    private static final class Entry extends AbstractMap.SimpleEntry<String, HzSlot> {
        Entry(HzSlot value) {
            super("w", value);
        }
    }

    private final AtomicLong clusterNow = new AtomicLong(NOW);
    private final PeerClocks clocks = new PeerClocks(clusterNow::get, System::nanoTime);

    private ClaimProcessor claim(ClaimRequest request, long claimId, long deadline, SessionTable table) {
        ClaimRules.Claim c = new ClaimRules.Claim(request, "n1", "s1", claimId, clusterNow.get(), clusterNow.get(), 0,
                ClaimRules.REBASE_MIN_MILLIS);
        return new ClaimProcessor(c, deadline, new ClaimProcessor.Locals(clocks, table));
    }

    private static HzSlot apply(Map.Entry<String, HzSlot> entry, com.hazelcast.map.EntryProcessor<String, HzSlot, ?> p) {
        p.process(entry);
        return entry.getValue();
    }

    @Test
    void aClaimAppliedTwiceYieldsOneLeaseAndTheBackupGetsThePrimarysState() {
        Entry primary = new Entry(null);
        Entry backup = new Entry(null);
        ClaimProcessor p = claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW)), 42, NOW + 4000, null);

        HzSlot first = p.process(primary);
        apply(backup, p.getBackupProcessor());
        clusterNow.addAndGet(10);
        HzSlot replay = p.process(primary);

        assertThat(replay.state()).isEqualTo(first.state());
        assertThat(backup.getValue().state()).isEqualTo(first.state());
        assertThat(p.getBackupProcessor()).as("a replay backs up again, for a backup that missed the first").isNotNull();
    }

    @Test
    void aClaimAppliedAfterItsDeadlineRefusesBecauseAnotherNodeMayHoldTheLock() {
        Entry primary = new Entry(null);
        ClaimProcessor late = claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW)), 42, NOW + 4000, null);
        clusterNow.set(NOW + 4001);

        assertThat(late.process(primary)).isNull();
        assertThat(primary.getValue()).isNull();
        assertThat(late.getBackupProcessor()).isNull();
    }

    @Test
    void aLateClaimDoesNotEndARunWhoseHolderThisMembersTableRecordsAlive() {
        AtomicLong nanos = new AtomicLong(1_000_000);
        VoterState voters = new VoterState("owner", nanos::get, 5_500);
        SessionTable table = new SessionTable(5_500, 1_500, nanos::get, voters, new FenceFloor(), () -> 0L);
        table.receive(SessionMessage.snapshot("s2", "n2", "m2", 1, Set.of("w"), Set.of(), false));
        Entry primary = new Entry(null);
        claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW)), 1, NOW + 4000, null).process(primary);
        // Node 2's session s2 now runs the next slot, as this member's table knows.
        SlotState s = primary.getValue().state();
        primary.setValue(new HzSlot(new SlotState("w", NOW + 1000, s.fence() + 1, 2,
                new SlotState.Running("n2", "s2", 2, ClaimRequest.Kind.SCHEDULED, NOW + 1000), ClaimRequest.Kind.SCHEDULED,
                null, NOW + 1000, SlotState.NONE, SlotState.Flags.NONE, "n2", 0)));

        HzSlot result = claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW + 2000)), 3, NOW + 4000, table)
                .process(primary);

        assertThat(result).isNull();
        assertThat(primary.getValue().state().running().session()).isEqualTo("s2");
    }

    @Test
    void aCompletionAppliedTwiceSucceedsTwiceAndBacksUpTheComputedState() {
        Entry primary = new Entry(null);
        Entry backup = new Entry(null);
        ClaimProcessor c = claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(NOW)), 42, NOW + 4000, null);
        c.process(primary);
        apply(backup, c.getBackupProcessor());
        long fence = primary.getValue().state().fence();
        CompleteProcessor done = new CompleteProcessor(fence, 42, Outcome.SUCCEEDED, NOW + 50);

        HzSlot once = done.process(primary);
        apply(backup, done.getBackupProcessor());
        HzSlot twice = done.process(primary);

        assertThat(once).isNotNull();
        assertThat(twice.state()).isEqualTo(once.state());
        assertThat(backup.getValue().state()).isEqualTo(once.state());
        assertThat(new CompleteProcessor(fence, 41, Outcome.SUCCEEDED, NOW + 60).process(primary))
                .as("another claim's completion").isNull();
    }

    @Test
    void operatorActionsKeepTheLatestAcrossReplaysAndMerges() {
        Entry majority = new Entry(null);
        Entry minority = new Entry(null);
        new FlagProcessor(ClaimRules.Flag.PAUSE, 10).process(majority);
        new FlagProcessor(ClaimRules.Flag.RESUME, 12).process(minority);
        new FlagProcessor(ClaimRules.Flag.TRIGGER, 11).process(minority);
        new FlagProcessor(ClaimRules.Flag.PAUSE, 10).process(majority);

        assertThat(majority.getValue().state().flags().paused()).isTrue();
        SlotState.Flags merged = majority.getValue().state().flags().merge(minority.getValue().state().flags());
        assertThat(merged.paused()).as("the resume came later").isFalse();
        assertThat(merged.triggerPending()).as("the trigger of the other side survives").isTrue();
        assertThat(majority.getValue().state().flags().withPaused(true, 9).pauseToken())
                .as("a replay of an earlier pause changes nothing").isEqualTo(10);
    }

    /**
     * Tokens come from each node's estimate of the cluster clock, and one node's may lag another's by
     * seconds: an operator's resume on such a node, after a pause made on the other, is told it was
     * done, and every node hears it announced. The record names the token to go above; the caller's
     * next call, above it, resumes.
     */
    @Test
    void aResumeMadeOnAClockBehindThePausesIsAskedForAgainAboveIt() {
        Entry primary = new Entry(null);
        Entry backup = new Entry(null);
        new FlagProcessor(ClaimRules.Flag.PAUSE, 5_000).process(primary);

        FlagProcessor behind = new FlagProcessor(ClaimRules.Flag.RESUME, 3_000);
        assertThat(behind.process(primary)).as("the token to go above").isEqualTo(5_000);
        assertThat(behind.getBackupProcessor()).as("nothing changed").isNull();
        FlagProcessor again = new FlagProcessor(ClaimRules.Flag.RESUME, 5_001);
        assertThat(again.process(primary)).isZero();
        apply(backup, again.getBackupProcessor());
        SlotState.Flags after = primary.getValue().state().flags();
        assertThat(again.process(primary)).as("its own copy again").isZero();

        assertThat(after.paused()).as("paused after the resume").isFalse();
        assertThat(primary.getValue().state().flags()).isEqualTo(after);
        assertThat(backup.getValue().state().flags()).isEqualTo(after);
    }

    /**
     * Hazelcast may apply a call late, after the operator was told it was done and acted again (review
     * s36): a late copy of a pause or resume changes nothing; were its caller still waiting, it would
     * call again above the record's token, its action overlapping the other.
     */
    @Test
    void aLateCopyOfAnEarlierPauseOrResumeDoesNotUndoTheActionAfterIt() {
        Entry resumed = new Entry(null);
        FlagProcessor pause = new FlagProcessor(ClaimRules.Flag.PAUSE, 5_000);
        pause.process(resumed);
        new FlagProcessor(ClaimRules.Flag.RESUME, 6_000).process(resumed);
        Entry paused = new Entry(null);
        FlagProcessor resume = new FlagProcessor(ClaimRules.Flag.RESUME, 5_000);
        resume.process(paused);
        new FlagProcessor(ClaimRules.Flag.PAUSE, 6_000).process(paused);

        assertThat(pause.process(resumed)).isEqualTo(6_000);
        assertThat(resume.process(paused)).isEqualTo(6_000);

        assertThat(resumed.getValue().state().flags().paused()).as("the resume still holds").isFalse();
        assertThat(paused.getValue().state().flags().paused()).as("the pause still holds").isTrue();
    }

    /**
     * The same for triggers (review s36): a trigger made on a clock behind the one whose trigger was
     * last served asks again above it, and gets its run; its own copy after its run was served is no
     * second run.
     */
    @Test
    void aTriggerMadeOnAClockBehindTheLastServedOneAsksAgainAboveIt() {
        Entry primary = new Entry(null);
        FlagProcessor first = new FlagProcessor(ClaimRules.Flag.TRIGGER, 5_000);
        first.process(primary);
        ClaimRules.Claim claim = new ClaimRules.Claim(ClaimRequest.triggered("w", Instant.ofEpochMilli(NOW)), "a",
                "sa", 1, NOW, NOW, 0, ClaimRules.REBASE_MIN_MILLIS);
        primary.setValue(new HzSlot(ClaimRules.claim(primary.getValue().state(), claim, false).orElseThrow().state()));

        assertThat(first.process(primary)).as("its own copy, served").isZero();
        assertThat(primary.getValue().state().flags().triggerPending()).isFalse();
        assertThat(new FlagProcessor(ClaimRules.Flag.TRIGGER, 3_000).process(primary)).isEqualTo(5_000);
        assertThat(new FlagProcessor(ClaimRules.Flag.TRIGGER, 5_001).process(primary)).isZero();
        assertThat(primary.getValue().state().flags().triggerPending()).as("the second trigger's run").isTrue();
    }

    /**
     * Review s36c: a pause made last on a side that still showed the worker paused (the other side
     * resumed it during the split) is the latest action, and wins the merge; so does the mirror. An
     * action that changed nothing on its side must still carry its token into the record.
     */
    @Test
    void anActionThatChangedNothingOnItsSideStillWinsTheMergeIfItCameLast() {
        for (boolean pausedBefore : new boolean[] {true, false}) {
            Entry sideA = new Entry(new HzSlot(SlotState.empty("w").withFlags(new SlotState.Flags(pausedBefore, 100, 0, 0))));
            Entry sideB = new Entry(new HzSlot(SlotState.empty("w").withFlags(new SlotState.Flags(pausedBefore, 100, 0, 0))));
            ClaimRules.Flag flip = pausedBefore ? ClaimRules.Flag.RESUME : ClaimRules.Flag.PAUSE;
            ClaimRules.Flag back = pausedBefore ? ClaimRules.Flag.PAUSE : ClaimRules.Flag.RESUME;

            assertThat(new FlagProcessor(flip, 200).process(sideA)).isZero();
            assertThat(new FlagProcessor(back, 300).process(sideB)).as("told done").isZero();
            HzSlot merged = (HzSlot) new HighestFenceMergePolicy().merge(value(sideA.getValue()), value(sideB.getValue()));

            assertThat(merged.state().flags().paused()).as("the last action, on the side that showed it already")
                    .isEqualTo(pausedBefore);
        }
    }

    @Test
    void theMergeKeepsTheHighestFenceAndTheLatestOperatorActionsOfBothSides() {
        HzSlot high = new HzSlot(new SlotState("w", NOW, 500, 5, null, ClaimRequest.Kind.SCHEDULED,
                Outcome.SUCCEEDED, NOW, NOW + 5, new SlotState.Flags(false, 0, 0, 0), "n1", 0));
        HzSlot low = new HzSlot(new SlotState("w", NOW - 1000, 400, 4, null, ClaimRequest.Kind.SCHEDULED,
                Outcome.SUCCEEDED, NOW - 1000, NOW - 995, new SlotState.Flags(true, 7, 3, 0), "n3", 0));

        HzSlot merged = (HzSlot) new HighestFenceMergePolicy().merge(value(low), value(high));

        assertThat(merged.state().fence()).isEqualTo(500);
        assertThat(merged.state().flags().paused()).as("paused on the minority, never undone").isTrue();
        assertThat(merged.state().flags().triggerPending()).isTrue();
    }

    /**
     * A trigger asked for before a split, whose run on one side was cut short (its node stopped): the merge
     * still asks for it if the other side never ran it, and not if the other side ran it to its end.
     */
    @Test
    void aTriggerCutShortOnOneSideOfASplitIsAskedForAfterTheMergeUnlessTheOtherSideRanIt() {
        Entry before = new Entry(null);
        new FlagProcessor(ClaimRules.Flag.TRIGGER, 100, NOW, 7).process(before);
        Entry cutSide = new Entry(before.getValue());
        claim(ClaimRequest.triggeredOrRerun("w", Instant.ofEpochMilli(NOW)), 2, NOW + 4000, null).process(cutSide);
        long fence = cutSide.getValue().state().fence();
        new CompleteProcessor(fence, 2, Outcome.INTERRUPTED, NOW + 10).process(cutSide);
        assertThat(cutSide.getValue().state().flags().triggerPending()).isTrue();

        HzSlot idle = (HzSlot) new HighestFenceMergePolicy().merge(value(before.getValue()), value(cutSide.getValue()));
        assertThat(idle.state().flags().triggerPending()).as("nobody ran it to its end").isTrue();

        Entry ranSide = new Entry(before.getValue());
        claim(ClaimRequest.triggeredOrRerun("w", Instant.ofEpochMilli(NOW)), 1, NOW + 4000, null).process(ranSide);
        new CompleteProcessor(ranSide.getValue().state().fence(), 1, Outcome.SUCCEEDED, NOW + 10).process(ranSide);
        for (boolean cutWins : new boolean[] {true, false}) {
            HzSlot merged = cutWins
                    ? (HzSlot) new HighestFenceMergePolicy().merge(value(ranSide.getValue()), value(cutSide.getValue()))
                    : (HzSlot) new HighestFenceMergePolicy().merge(value(cutSide.getValue()), value(ranSide.getValue()));
            assertThat(merged.state().flags().triggerPending()).as("the other side ran it").isFalse();
        }
    }

    /**
     * Review s42: the merge keeps, for one claim on both sides, the copy where its run ended (a member split off
     * with its lock records its outcome on its own copy, see {@link HighestFenceMergePolicy#furtherAlong}). When
     * that run was a trigger's, cut short (its node stopped, its lease ran out on the minority side), the other
     * side's copy still shows the run, with the trigger served by its claim: the merged record must still ask for
     * the trigger, since nobody ran it to its end. It takes the highest served token of the two sides, which is
     * the claim's, so the cut trigger is dropped for good: the operator was told it took, and it never runs.
     */
    @Test
    void aTriggerCutShortOnTheSideOfItsNodeIsStillAskedForAfterMergingWithTheSideThatStillShowsItsRun() {
        Entry before = new Entry(null);
        new FlagProcessor(ClaimRules.Flag.TRIGGER, 100, NOW, 7).process(before);
        claim(ClaimRequest.triggeredOrRerun("w", Instant.ofEpochMilli(NOW)), 2, NOW + 4000, null).process(before);
        HzSlot running = before.getValue();
        assertThat(running.state().isRunning()).isTrue();
        Entry cutSide = new Entry(running);
        new CompleteProcessor(running.state().fence(), 2, Outcome.LEASE_LOST, NOW + 10).process(cutSide);
        assertThat(cutSide.getValue().state().flags().triggerPending()).as("cut short on its own side").isTrue();

        for (boolean cutMerging : new boolean[] {true, false}) {
            HzSlot merged = cutMerging
                    ? (HzSlot) new HighestFenceMergePolicy().merge(value(cutSide.getValue()), value(running))
                    : (HzSlot) new HighestFenceMergePolicy().merge(value(running), value(cutSide.getValue()));
            assertThat(merged.state().isRunning()).as("the side where the run ended wins").isFalse();
            assertThat(merged.state().flags().triggerPending())
                    .as("nobody ran the trigger to its end (cut side merging: %s): %s", cutMerging, merged.state())
                    .isTrue();
        }
    }

    /**
     * Review s42b. A trigger's run C1 is running when the cluster splits; its node ends up cut off, and the
     * majority's next claim finds it dead, which asks for the trigger again (a regular slot's claim, the trigger
     * to run after it; or the trigger's own re-run C2, cut short in turn). The cut-off side's copy still shows C1
     * running, with the trigger served by C1's claim. The majority's copy wins the merge (higher fence), but the
     * merge takes the highest served token of both sides, the stale copy's: the trigger asked for again is served
     * for good, though nobody ran it to its end. The fix of review s42 covers only a loser that shows the very
     * claim whose end the winner recorded; here the winner has claimed since.
     */
    @Test
    void aTriggerAskedForAgainOnTheMajorityAfterItsRunDiedIsStillAskedForAfterMergingWithTheCopyThatShowsThatRun() {
        Entry before = new Entry(null);
        new FlagProcessor(ClaimRules.Flag.TRIGGER, 100, NOW, 7).process(before);
        claim(ClaimRequest.triggeredOrRerun("w", Instant.ofEpochMilli(NOW)), 2, NOW + 4000, null).process(before);
        HzSlot stale = before.getValue();
        assertThat(stale.state().isRunning()).isTrue();

        clusterNow.addAndGet(10_000);
        // The majority's next regular claim finds C1's holder dead: the trigger is asked for again, to run after it.
        Entry slotSide = new Entry(stale);
        claim(ClaimRequest.scheduledOrRerun("w", Instant.ofEpochMilli(NOW + 10_000)), 3, NOW + 14_000, null)
                .process(slotSide);
        // Or the trigger's own re-run C2, itself cut short (its node shut down).
        Entry rerunSide = new Entry(stale);
        claim(ClaimRequest.triggeredOrRerun("w", Instant.ofEpochMilli(NOW + 10_000)), 3, NOW + 14_000, null)
                .process(rerunSide);
        assertThat(rerunSide.getValue().state().running().kind()).isEqualTo(ClaimRequest.Kind.TRIGGERED);
        new CompleteProcessor(rerunSide.getValue().state().fence(), 3, Outcome.INTERRUPTED, NOW + 10_010)
                .process(rerunSide);

        for (Entry majority : List.of(slotSide, rerunSide)) {
            assertThat(majority.getValue().state().flags().triggerPending()).as("asked for again on the majority")
                    .isTrue();
            for (boolean staleMerging : new boolean[] {true, false}) {
                HzSlot merged = staleMerging
                        ? (HzSlot) new HighestFenceMergePolicy().merge(value(stale), value(majority.getValue()))
                        : (HzSlot) new HighestFenceMergePolicy().merge(value(majority.getValue()), value(stale));
                assertThat(merged.state().fence()).isEqualTo(majority.getValue().state().fence());
                assertThat(merged.state().flags().triggerPending())
                        .as("nobody ran the trigger to its end (majority %s, stale copy merging: %s): %s",
                                majority == slotSide ? "ran a slot" : "cut the re-run", staleMerging, merged.state())
                        .isTrue();
            }
        }
    }

    /** A merge policy's view of one side's copy of a record. */
    @SuppressWarnings("unchecked")
    static com.hazelcast.spi.merge.MergingValue<Object> value(HzSlot slot) {
        return (com.hazelcast.spi.merge.MergingValue<Object>) java.lang.reflect.Proxy.newProxyInstance(
                RecordProcessorsTest.class.getClassLoader(),
                new Class<?>[] {com.hazelcast.spi.merge.MergingValue.class}, (proxy, method, args) -> switch (
                        method.getName()) {
                    case "getDeserializedValue", "getRawValue", "getValue" -> slot;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void recordsAndMessagesReadBackWhatWasWritten() throws Exception {
        SlotState s = new SlotState("w", NOW, 99, 5,
                new SlotState.Running("n1", "s1", 5, ClaimRequest.Kind.RERUN, NOW), ClaimRequest.Kind.RERUN,
                Outcome.CRASHED, NOW, NOW + 3, new SlotState.Flags(true, 4, 9, 8), "n1", 2);
        assertThat(HzSlot.decode(HzSlot.encode(s))).isEqualTo(s);
        assertThat(List.of(s.flags().triggerPending())).containsExactly(true);
    }

    /**
     * Review s41. Action tokens are max(floor + 1, madeAt shifted left 16 bits), with nothing of the node in them: two
     * nodes whose estimates of the cluster clock read the same millisecond, neither having seen the other's
     * token yet (floors travel with session messages, every 500 ms), issue the same token. Node x triggers w
     * at cluster millisecond M; its trigger is served (the run is claimed). Node y's estimate lags x's by a
     * few tens of ms; an operator triggers w on y when y reads M: same token. The record takes it for x's
     * own copy (token == triggerRequested), answers 0 ("holds"): y's operator is told the trigger took, and
     * no run follows. The same trigger made one millisecond later on y asks again above and runs. Each trigger
     * now carries a random id, kept in the record with the token it asked for: a late copy is its own by both.
     */
    @Test
    void aSecondNodesTriggerWithTheSameTokenAfterTheFirstWasServedIsNotTakenForItsCopy() {
        long floorX = (NOW - 60_000) << 16;
        long floorY = (NOW - 61_000) << 16;
        long tokenX = ClaimRules.nextFence(0, floorX, NOW);
        long tokenY = ClaimRules.nextFence(0, floorY, NOW);
        assertThat(tokenY).as("two nodes' tokens for the same cluster millisecond").isEqualTo(tokenX);

        Entry primary = new Entry(null);
        FlagProcessor byX = new FlagProcessor(ClaimRules.Flag.TRIGGER, tokenX, NOW, 1_111);
        assertThat(byX.process(primary)).isZero();
        ClaimRules.Claim served = new ClaimRules.Claim(ClaimRequest.triggered("w", Instant.ofEpochMilli(NOW + 20)),
                "x", "sx", 1, NOW + 20, NOW + 20, tokenX, ClaimRules.REBASE_MIN_MILLIS);
        primary.setValue(new HzSlot(ClaimRules.claim(primary.getValue().state(), served, false).orElseThrow().state()));
        assertThat(primary.getValue().state().flags().triggerPending()).as("x's trigger served").isFalse();

        assertThat(byX.process(primary)).as("x's own late copy: it took, and no second run").isZero();
        assertThat(primary.getValue().state().flags().triggerPending()).isFalse();

        Long answer = new FlagProcessor(ClaimRules.Flag.TRIGGER, tokenY, NOW, 2_222).process(primary);

        assertThat(answer != 0 || primary.getValue().state().flags().triggerPending())
                .as("node y's trigger (answer %d: 0 tells y's operator it took) either asks again above or gets"
                        + " its run", answer).isTrue();
    }

    /**
     * Review s41b. x triggers w with token T (pending). y's trigger carries the same token T (the case above)
     * and arrives while x's is still pending. Folded into x's (answered 0, the record keeping x's id), y's own
     * call applied again after the run served T (Records.call re-sends it after an uncertain failure) was
     * told to go above: y's operator heard the outcome was unknown, though the trigger took. y's trigger now
     * goes above T (one run still serves both), and its own copy after the run is told it took.
     */
    @Test
    void aSameTokenTriggerMadeWhileTheOtherIsPendingIsKnownAsItsOwnCopyAfterTheServe() {
        long token = ClaimRules.nextFence(0, (NOW - 60_000) << 16, NOW);
        Entry primary = new Entry(null);
        assertThat(new FlagProcessor(ClaimRules.Flag.TRIGGER, token, NOW, 1_111).process(primary)).isZero();
        assertThat(new FlagProcessor(ClaimRules.Flag.TRIGGER, token, NOW, 2_222).process(primary))
                .as("y's trigger, the same token as x's pending one: above it").isEqualTo(token);
        long above = ClaimRules.nextFence(0, token, NOW);
        FlagProcessor byY = new FlagProcessor(ClaimRules.Flag.TRIGGER, above, NOW, 2_222);
        assertThat(byY.process(primary)).as("y's trigger above x's, still pending: one run serves both").isZero();

        ClaimRules.Claim served = new ClaimRules.Claim(ClaimRequest.triggered("w", Instant.ofEpochMilli(NOW + 20)),
                "x", "sx", 1, NOW + 20, NOW + 20, above, ClaimRules.REBASE_MIN_MILLIS);
        primary.setValue(new HzSlot(ClaimRules.claim(primary.getValue().state(), served, false).orElseThrow().state()));
        assertThat(primary.getValue().state().flags().triggerPending()).as("served, for x and y both").isFalse();

        assertThat(byY.process(primary)).as("y's own late copy, after the run that served it").isZero();
        assertThat(primary.getValue().state().flags().triggerPending()).as("and no second run").isFalse();
    }
}
