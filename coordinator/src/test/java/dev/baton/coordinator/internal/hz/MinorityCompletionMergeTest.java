package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What MembershipIT#scalingThreeToFiveAndBackToThreeKeepsEveryLeaseAndEverySlot met on a loaded
 * machine (run of 2026-12-01 22:42, drill-0008 and drill-0017, slot 22:42:12): while n4 and n5
 * joined, Hazelcast's failure detector split n3 off for four seconds (n3 suspected the master n1 at
 * 22:42:07, n1 removed n3 at 22:42:12.1, n3 merged back at 22:42:16.4). n3 still held its locks
 * (its lease ran until 22:42:17.05), so its claims, replayed by Records after the member-left
 * errors, and its completions landed on n3's own copy of the records. The majority's copy had the
 * same claims, applied before the split, still running. The merge keeps the copy with the higher
 * fencing token; both copies carry the same claim and token, so it keeps the existing one, the
 * majority's "running". Once n1 and n2 expired n3's session (22:42:17.6) they re-ran both slots
 * (n1 and n2, kind RERUN), although n3 had run them to SUCCEEDED.
 */
class MinorityCompletionMergeTest {

    private static final long SLOT = Instant.parse("2026-12-01T22:42:12Z").toEpochMilli();

    /** A map entry as an entry processor sees it. */
    private static final class Entry extends AbstractMap.SimpleEntry<String, HzSlot> {
        Entry(HzSlot value) {
            super("drill-0008", value);
        }
    }

    /** The record before the split: n3 ran the slot before, to SUCCEEDED. */
    private static HzSlot before() {
        return new HzSlot(new SlotState("drill-0008", SLOT - 1000, 117713464919523328L, 11, null,
                ClaimRequest.Kind.SCHEDULED, Outcome.SUCCEEDED, SLOT - 955, SLOT - 910, SlotState.Flags.NONE, "n3", 0));
    }

    /** n3's claim of the slot, as HzCoordination.claim builds it (no table or clock of the owner involved here). */
    private static ClaimProcessor claimByN3() {
        ClaimRules.Claim claim = new ClaimRules.Claim(ClaimRequest.scheduled("drill-0008", Instant.ofEpochMilli(SLOT)),
                "n3", "n3/37ba94e2", 4242, SLOT + 21, SLOT + 21, 117713464919523328L, ClaimRules.REBASE_MIN_MILLIS);
        return new ClaimProcessor(claim, Long.MAX_VALUE, new ClaimProcessor.Locals(null, null));
    }

    private static Object merge(Map.Entry<String, HzSlot> merging, Map.Entry<String, HzSlot> existing) {
        return new HighestFenceMergePolicy().merge(RecordProcessorsTest.value(merging.getValue()),
                RecordProcessorsTest.value(existing.getValue()));
    }

    @Test
    void aCompletionRecordedOnTheMinorityDuringASplitSurvivesTheMerge() {
        // Before the split: the owner (on the majority side) applies n3's claim; the answer never reaches n3.
        Entry majority = new Entry(before());
        claimByN3().process(majority);
        // n3's own copy (a backup it promoted when it found itself alone) lacks that claim; Records calls
        // again with the same claim id, which applies there: the same claim, the same token.
        Entry minority = new Entry(before());
        HzSlot replayed = claimByN3().process(minority);
        assertThat(replayed.state().fence()).isEqualTo(majority.getValue().state().fence());
        // n3 runs the slot and records SUCCEEDED on its copy.
        SlotState claimed = replayed.state();
        assertThat(new CompleteProcessor(claimed.fence(), claimed.claimId(), Outcome.SUCCEEDED, SLOT + 2241)
                .process(minority)).isNotNull();

        // n3 merges back: its entries are merged into the majority's.
        HzSlot merged = (HzSlot) merge(minority, majority);

        assertThat(merged.state().isRunning()).as("the merged record still shows n3's run running: %s", merged.state())
                .isFalse();
        assertThat(merged.state().lastOutcome()).isEqualTo(Outcome.SUCCEEDED);
        // What n2 did at 22:42:18.4 once it expired n3's session: a re-run of the slot.
        ClaimRules.Claim rerun = new ClaimRules.Claim(ClaimRequest.rerun("drill-0008", Instant.ofEpochMilli(SLOT),
                merged.state().fence()), "n2", "n2/s", 99, SLOT + 6283, SLOT + 6283, 0, ClaimRules.REBASE_MIN_MILLIS);
        assertThat(ClaimRules.claim(merged.state(), rerun, false)).as("a re-run of a slot n3 ran to SUCCEEDED")
                .isEmpty();
    }

    @Test
    void aCompletionRecordedOnTheMajoritySurvivesTheMinoritysRunningCopy() {
        Entry majority = new Entry(before());
        SlotState claimed = claimByN3().process(majority).state();
        Entry minority = new Entry(majority.getValue());
        new CompleteProcessor(claimed.fence(), claimed.claimId(), Outcome.SUCCEEDED, SLOT + 97).process(majority);

        HzSlot merged = (HzSlot) merge(minority, majority);

        assertThat(merged.state().isRunning()).isFalse();
        assertThat(merged.state().lastOutcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void aReRunTheMajorityClaimedBeforeTheMergeKeepsTheRecord() {
        Entry majority = new Entry(before());
        SlotState claimed = claimByN3().process(majority).state();
        Entry minority = new Entry(majority.getValue());
        new CompleteProcessor(claimed.fence(), claimed.claimId(), Outcome.SUCCEEDED, SLOT + 2241).process(minority);
        // The majority expired n3's session first and re-ran the slot: its claim carries a higher token.
        ClaimRules.Claim rerun = new ClaimRules.Claim(ClaimRequest.rerun("drill-0008", Instant.ofEpochMilli(SLOT),
                claimed.fence()), "n2", "n2/s", 99, SLOT + 6283, SLOT + 6283, claimed.fence(),
                ClaimRules.REBASE_MIN_MILLIS);
        SlotState reran = ClaimRules.claim(claimed, rerun, false).orElseThrow().state();
        majority.setValue(new HzSlot(reran));

        HzSlot merged = (HzSlot) merge(minority, majority);

        assertThat(merged.state().fence()).isEqualTo(reran.fence());
        assertThat(merged.state().running().node()).isEqualTo("n2");
    }
}
