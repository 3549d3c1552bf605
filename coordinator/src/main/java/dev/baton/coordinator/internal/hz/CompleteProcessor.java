package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Records an outcome, only if the record still belongs to the claim with this id and fencing
 * token; applied twice, it returns the same record. Backups receive the state computed here.
 */
public final class CompleteProcessor implements EntryProcessor<String, HzSlot, HzSlot>, IdentifiedDataSerializable {

    static final int FORMAT = 1;

    private long fence;
    private long claimId;
    private Outcome outcome;
    private long nowMillis;
    private transient SlotState computed;

    public CompleteProcessor() {
        // for Hazelcast
    }

    CompleteProcessor(long fence, long claimId, Outcome outcome, long nowMillis) {
        this.fence = fence;
        this.claimId = claimId;
        this.outcome = outcome;
        this.nowMillis = nowMillis;
    }

    @Override
    public HzSlot process(Map.Entry<String, HzSlot> entry) {
        computed = null;
        if (entry.getValue() == null) {
            return null;
        }
        Optional<SlotState> next = ClaimRules.complete(entry.getValue().state(), fence, claimId, outcome, nowMillis);
        if (next.isEmpty()) {
            return null;
        }
        computed = next.get();
        HzSlot stored = new HzSlot(computed);
        entry.setValue(stored);
        return stored;
    }

    @Override
    public EntryProcessor<String, HzSlot, HzSlot> getBackupProcessor() {
        return computed == null ? null : (EntryProcessor) new SlotBackup(computed);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.COMPLETE_PROCESSOR;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeLong(fence);
            w.writeLong(claimId);
            w.writeUTF(outcome.name());
            w.writeLong(nowMillis);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        fence = r.readLong();
        claimId = r.readLong();
        outcome = Outcome.valueOf(r.readUTF());
        nowMillis = r.readLong();
    }
}
