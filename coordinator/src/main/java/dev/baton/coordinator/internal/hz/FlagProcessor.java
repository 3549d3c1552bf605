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
 * or resume survives, and so does a trigger asked for after the last one served on either side.
 *
 * <p>Answers 0 when the action holds in the record, else the record's token that the action's must
 * go above: tokens come from each node's estimate of the cluster clock, which may lag the one that
 * made the last action, and a late copy of an earlier call must not undo a later one. The caller,
 * still waiting for its action, tries again above it; a copy nobody waits for any more is dropped.
 */
public final class FlagProcessor implements EntryProcessor<String, HzSlot, Long>, IdentifiedDataSerializable {

    /** 2: when the action was made appended. 3: a trigger's id appended. */
    static final int FORMAT = 3;

    enum Flag { PAUSE, RESUME, TRIGGER }

    private Flag flag;
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
    FlagProcessor(Flag flag, long token) {
        this(flag, token, 0);
    }

    FlagProcessor(Flag flag, long token, long madeAt) {
        this(flag, token, madeAt, 0);
    }

    FlagProcessor(Flag flag, long token, long madeAt, long id) {
        this.flag = flag;
        this.token = token;
        this.madeAt = madeAt;
        this.id = id;
    }

    @Override
    public Long process(Map.Entry<String, HzSlot> entry) {
        SlotState s = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        SlotState.Flags flags = s.flags();
        long above = flag == Flag.TRIGGER ? triggerAbove(flags) : pauseAbove(flags);
        if (above != 0) {
            computed = null;
            return above;
        }
        SlotState.Flags next = switch (flag) {
            case PAUSE -> flags.withPaused(true, token, madeAt);
            case RESUME -> flags.withPaused(false, token, madeAt);
            case TRIGGER -> flags.withTrigger(token, id);
        };
        // Its own copy again changes nothing, but backs up again, for a backup that missed the first.
        computed = s.withFlags(next);
        entry.setValue(new HzSlot(computed));
        return 0L;
    }

    /** 0 if this pause or resume may hold: a newer token, or its own copy again; else the token to go above. */
    private long pauseAbove(SlotState.Flags flags) {
        boolean ownCopy = token == flags.pauseToken() && flags.paused() == (flag == Flag.PAUSE);
        return token > flags.pauseToken() || ownCopy ? 0 : flags.pauseToken();
    }

    /**
     * 0 if this trigger may hold: its own copy again, or above the last served; else the token to go above.
     * Another node's trigger may carry the same token as the one asked for (see {@link SlotState.Flags#triggerId}):
     * it goes above that token, so that each trigger's own late copies are still told apart once served (taken
     * for the other's copy, it was told it took and never ran; folded into it while pending, its own copy
     * after the run was told to go above).
     */
    private long triggerAbove(SlotState.Flags flags) {
        if (flags.askedBy(token, id)) {
            return 0;
        }
        if (token == flags.triggerRequested()) {
            return token;
        }
        return token > flags.triggerServed() ? 0 : flags.triggerServed();
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
        flag = Flag.valueOf(r.readUTF());
        token = r.readLong();
        madeAt = r.more() ? r.readLong() : 0;
        id = r.more() ? r.readLong() : 0;
    }
}
