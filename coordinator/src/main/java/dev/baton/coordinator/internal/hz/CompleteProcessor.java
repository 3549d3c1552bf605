package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import java.io.IOException;
import java.util.Map;

/** Records an outcome, only if the record still belongs to the lease with this fencing token. */
public final class CompleteProcessor implements EntryProcessor<String, HzSlot, HzSlot>, DataSerializable {

    private long fence;
    private Outcome outcome;
    private long nowMillis;

    public CompleteProcessor() {
        // for Hazelcast
    }

    CompleteProcessor(long fence, Outcome outcome, long nowMillis) {
        this.fence = fence;
        this.outcome = outcome;
        this.nowMillis = nowMillis;
    }

    @Override
    public HzSlot process(Map.Entry<String, HzSlot> entry) {
        if (entry.getValue() == null || !ClaimRules.completes(entry.getValue().state(), fence)) {
            return null;
        }
        SlotState finished = entry.getValue().state().finished(outcome, nowMillis);
        HzSlot stored = new HzSlot(finished);
        entry.setValue(stored);
        return stored;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(fence);
        out.writeByte(outcome.ordinal());
        out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        fence = in.readLong();
        outcome = Outcome.values()[in.readByte()];
        nowMillis = in.readLong();
    }
}
