package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import java.io.IOException;
import java.util.Map;

/**
 * What a backup replica applies after a processor changed a record on the primary: the state the
 * primary computed, not the processor run again (a re-run on the backup could decide differently).
 */
public final class SlotBackup implements EntryProcessor<String, HzSlot, Object>, IdentifiedDataSerializable {

    private SlotState state;

    public SlotBackup() {
        // for Hazelcast
    }

    SlotBackup(SlotState state) {
        this.state = state;
    }

    @Override
    public Object process(Map.Entry<String, HzSlot> entry) {
        entry.setValue(new HzSlot(state));
        return null;
    }

    @Override
    public EntryProcessor<String, HzSlot, Object> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.SLOT_BACKUP;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(HzSlot.encode(state));
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        state = HzSlot.decode(in.readByteArray());
    }
}
