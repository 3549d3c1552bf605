package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import dev.baton.coordinator.internal.SlotState;

/**
 * After a split-brain heals, keeps the slot bookkeeping of the copy with the highest fencing token
 * (fences keep increasing after a merge, and the side that claimed last decides: a minority cannot
 * win a lock), or, for the same claim on both sides, of the copy where it finished; and of the
 * operator actions the latest of each side: a pause or resume made on
 * either side by its token, every trigger.
 */
public final class HighestFenceMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        if (merging == null) {
            return existing.getRawValue();
        }
        Object m = merging.getDeserializedValue();
        Object e = existing.getDeserializedValue();
        if (m instanceof HzSlot ms && e instanceof HzSlot es) {
            SlotState winner = furtherAlong(ms.state(), es.state());
            SlotState loser = winner == ms.state() ? es.state() : ms.state();
            // A copy that still shows a run the other saw end (its end recorded, or a later claim) has the
            // trigger served by that run's claim: if the run was cut short, it is asked for again on both.
            SlotState.Flags lost = loser.isRunning() && !sameRun(winner, loser) ? loser.flagsAfterCut() : loser.flags();
            return new HzSlot(winner.withFlags(winner.flags().merge(lost)));
        }
        return existing.getRawValue();
    }

    /**
     * The copy with the higher token; for one claim on both sides, the one where its run has ended. A
     * member split off while it held a lock may still record its outcome on its own copy (its lock
     * stays valid for the rest of its lease), while the other side's copy still shows the run: that
     * outcome is the newer state of the same claim, and dropping it would have the slot run again.
     */
    static SlotState furtherAlong(SlotState merging, SlotState existing) {
        if (merging.fence() != existing.fence()) {
            return merging.fence() > existing.fence() ? merging : existing;
        }
        boolean sameClaim = merging.claimId() == existing.claimId();
        return sameClaim && existing.isRunning() && !merging.isRunning() ? merging : existing;
    }

    private static boolean sameRun(SlotState a, SlotState b) {
        return a.isRunning() && b.isRunning() && a.fence() == b.fence() && a.running().claimId() == b.running().claimId();
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // stateless
    }

    @Override
    public void readData(ObjectDataInput in) {
        // stateless
    }
}
