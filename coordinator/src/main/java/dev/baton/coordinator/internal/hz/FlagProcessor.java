package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import java.io.IOException;
import java.util.Map;

/**
 * Pauses, resumes or triggers a worker in its record. Each action carries a token from the node
 * that made it, so that a replay changes nothing and, after a split-brain merge, the latest pause
 * or resume and every trigger survive.
 */
public final class FlagProcessor implements EntryProcessor<String, HzSlot, Boolean>, IdentifiedDataSerializable {

    static final int FORMAT = 1;

    enum Flag { PAUSE, RESUME, TRIGGER }

    private Flag flag;
    private long token;
    private transient SlotState computed;

    public FlagProcessor() {
        // for Hazelcast
    }

    FlagProcessor(Flag flag, long token) {
        this.flag = flag;
        this.token = token;
    }

    @Override
    public Boolean process(Map.Entry<String, HzSlot> entry) {
        SlotState s = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        SlotState.Flags flags = switch (flag) {
            case PAUSE -> s.flags().withPaused(true, token);
            case RESUME -> s.flags().withPaused(false, token);
            case TRIGGER -> s.flags().withTrigger(token);
        };
        computed = s.withFlags(flags);
        entry.setValue(new HzSlot(computed));
        return Boolean.TRUE;
    }

    @Override
    public EntryProcessor<String, HzSlot, Boolean> getBackupProcessor() {
        return computed == null ? null : (EntryProcessor) new SlotBackup(computed);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.FLAG_PROCESSOR;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeUTF(flag.name());
            w.writeLong(token);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        flag = Flag.valueOf(r.readUTF());
        token = r.readLong();
    }
}
