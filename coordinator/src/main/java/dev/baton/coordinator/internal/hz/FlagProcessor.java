package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import java.io.IOException;
import java.util.Map;

/**
 * Pauses, resumes or triggers a worker in its record, as {@link ClaimRules#flag} rules. Answers 0 when
 * the action holds in the record, else the record's token that the action's must go above: the caller,
 * still waiting for its action, tries again above it; a copy nobody waits for any more is dropped.
 */
public final class FlagProcessor implements EntryProcessor<String, HzSlot, Long>, IdentifiedDataSerializable {

    /** 2: when the action was made appended. 3: a trigger's id appended. */
    static final int FORMAT = 3;

    private ClaimRules.Flag flag;
    private long token;
    /** When the action was made, on the maker's cluster clock (0: not sent, by an older release). */
    private long madeAt;
    /** A trigger's id, random per action (0: none, from an older release): see {@link SlotState.Flags#triggerId}. */
    private long id;
    private transient SlotState computed;

    public FlagProcessor() {
        // for Hazelcast
    }

    /** An action that says when it was made by its token alone, as the release before sent it. */
    FlagProcessor(ClaimRules.Flag flag, long token) {
        this(flag, token, 0);
    }

    FlagProcessor(ClaimRules.Flag flag, long token, long madeAt) {
        this(flag, token, madeAt, 0);
    }

    FlagProcessor(ClaimRules.Flag flag, long token, long madeAt, long id) {
        this.flag = flag;
        this.token = token;
        this.madeAt = madeAt;
        this.id = id;
    }

    @Override
    public Long process(Map.Entry<String, HzSlot> entry) {
        SlotState s = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        ClaimRules.Flagged flagged = ClaimRules.flag(s, flag, token, madeAt, id);
        if (flagged.above() != 0) {
            computed = null;
            return flagged.above();
        }
        // Its own copy again changes nothing, but backs up again, for a backup that missed the first.
        computed = flagged.state();
        entry.setValue(new HzSlot(computed));
        return 0L;
    }

    @Override
    public EntryProcessor<String, HzSlot, Long> getBackupProcessor() {
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
            w.writeLong(madeAt);
            w.writeLong(id);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        flag = ClaimRules.Flag.valueOf(r.readUTF());
        token = r.readLong();
        madeAt = r.more() ? r.readLong() : 0;
        id = r.more() ? r.readLong() : 0;
    }
}
