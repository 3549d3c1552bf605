package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.baton.coordinator.internal.SlotState;
import java.io.IOException;
import java.util.Map;

/** Pauses, resumes or triggers a worker in its record. */
public final class FlagProcessor implements EntryProcessor<String, HzSlot, Boolean>, DataSerializable {

    enum Flag { PAUSE, RESUME, TRIGGER }

    private Flag flag;

    public FlagProcessor() {
        // for Hazelcast
    }

    FlagProcessor(Flag flag) {
        this.flag = flag;
    }

    @Override
    public Boolean process(Map.Entry<String, HzSlot> entry) {
        SlotState s = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        SlotState next = switch (flag) {
            case PAUSE -> s.withPaused(true);
            case RESUME -> s.withPaused(false);
            case TRIGGER -> s.withTriggerPending(true);
        };
        entry.setValue(new HzSlot(next));
        return Boolean.TRUE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(flag.ordinal());
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        flag = Flag.values()[in.readByte()];
    }
}
