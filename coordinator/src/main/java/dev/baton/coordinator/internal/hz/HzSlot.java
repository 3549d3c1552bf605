package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import java.io.IOException;

/** How a {@link SlotState} is stored in the records map: compact binary, no Java serialization. */
public final class HzSlot implements DataSerializable {

    private SlotState state;

    public HzSlot() {
        // for Hazelcast
    }

    HzSlot(SlotState state) {
        this.state = state;
    }

    SlotState state() {
        return state;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(state.worker());
        out.writeLong(state.lastSlot());
        out.writeLong(state.fence());
        out.writeString(state.holderNode());
        out.writeString(state.holderSession());
        out.writeByte(state.lastOutcome() == null ? -1 : state.lastOutcome().ordinal());
        out.writeLong(state.startedAt());
        out.writeLong(state.finishedAt());
        out.writeBoolean(state.paused());
        out.writeBoolean(state.triggerPending());
        out.writeString(state.lastNode());
        out.writeInt(state.failuresInARow());
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        String worker = in.readString();
        long lastSlot = in.readLong();
        long fence = in.readLong();
        String holderNode = in.readString();
        String holderSession = in.readString();
        byte outcome = in.readByte();
        long startedAt = in.readLong();
        long finishedAt = in.readLong();
        boolean paused = in.readBoolean();
        boolean trigger = in.readBoolean();
        String lastNode = in.readString();
        int failures = in.readInt();
        state = new SlotState(worker, lastSlot, fence, holderNode, holderSession,
                outcome < 0 ? null : Outcome.values()[outcome], startedAt, finishedAt, paused, trigger, lastNode,
                failures);
    }
}
