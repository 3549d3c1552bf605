package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * After a split-brain heals, keeps the record with the highest fencing token: fences keep
 * increasing after a merge, and the side that claimed last (the majority: a minority cannot
 * win a session lock) decides.
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
            return ms.state().fence() > es.state().fence() ? merging.getRawValue() : existing.getRawValue();
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
