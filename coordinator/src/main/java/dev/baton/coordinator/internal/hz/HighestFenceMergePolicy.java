package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import dev.baton.coordinator.internal.SlotState;

/**
 * After a split-brain heals, keeps the slot bookkeeping of the copy with the highest fencing token
 * (fences keep increasing after a merge, and the side that claimed last decides: a minority cannot
 * win a lock), and of the operator actions the latest of each side: a pause or resume made on
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
            SlotState winner = ms.state().fence() > es.state().fence() ? ms.state() : es.state();
            SlotState loser = winner == ms.state() ? es.state() : ms.state();
            return new HzSlot(winner.withFlags(winner.flags().merge(loser.flags())));
        }
        return existing.getRawValue();
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
