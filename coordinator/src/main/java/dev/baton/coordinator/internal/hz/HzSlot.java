package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.io.IOException;

/** How a {@link SlotState} is stored in the records map, in Baton's versioned wire format. */
public final class HzSlot implements IdentifiedDataSerializable {

    /**
     * 2: the count of re-runs and the deferred slot appended. 3: the deferred slot a claim went past
     * appended. 4: when the last pause or resume was made appended. 5: the id of the trigger asked for appended.
     * 6: whether a running trigger is asked for again if cut short, and how many of its runs were, appended.
     */
    static final int FORMAT = 6;

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
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.SLOT;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(encode(state));
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        state = decode(in.readByteArray());
    }

    static byte[] encode(SlotState s) {
        return Wire.encode(FORMAT, w -> {
            w.writeUTF(s.worker());
            w.writeLong(s.lastSlot());
            w.writeLong(s.fence());
            w.writeLong(s.claimId());
            SlotState.Running r = s.running();
            w.writeBoolean(r != null);
            if (r != null) {
                w.writeUTF(r.node());
                w.writeUTF(r.session());
                w.writeLong(r.claimId());
                w.writeUTF(r.kind().name());
                w.writeLong(r.slot());
            }
            w.writeNullable(s.lastKind() == null ? null : s.lastKind().name());
            w.writeNullable(s.lastOutcome() == null ? null : s.lastOutcome().name());
            w.writeLong(s.startedAt());
            w.writeLong(s.finishedAt());
            SlotState.Flags f = s.flags();
            w.writeBoolean(f.paused());
            w.writeLong(f.pauseToken());
            w.writeLong(f.triggerRequested());
            w.writeLong(f.triggerServed());
            w.writeNullable(s.lastNode());
            w.writeInt(s.failuresInARow());
            w.writeInt(s.reruns());
            w.writeLong(s.deferred());
            w.writeLong(s.passed());
            w.writeLong(f.pauseMadeAt());
            w.writeLong(f.triggerId());
            w.writeBoolean(r != null && r.rerunIfCut());
            w.writeInt(f.triggerCuts());
        });
    }

    static SlotState decode(byte[] bytes) throws IOException {
        Wire.In r = Wire.decode(bytes);
        String worker = r.readUTF();
        long lastSlot = r.readLong();
        long fence = r.readLong();
        long claimId = r.readLong();
        SlotState.Running running = r.readBoolean() ? new SlotState.Running(r.readUTF(), r.readUTF(), r.readLong(),
                ClaimRequest.Kind.valueOf(r.readUTF()), r.readLong()) : null;
        String kind = r.readNullable();
        String outcome = r.readNullable();
        long startedAt = r.readLong();
        long finishedAt = r.readLong();
        boolean paused = r.readBoolean();
        long pauseToken = r.readLong();
        long triggerRequested = r.readLong();
        long triggerServed = r.readLong();
        String lastNode = r.readNullable();
        int failures = r.readInt();
        // A record written by an earlier release counts no re-runs: its slot may be re-run the full number of times.
        int reruns = r.more() ? r.readInt() : 0;
        long deferred = r.more() ? r.readLong() : SlotState.NONE;
        long passed = r.more() ? r.readLong() : SlotState.NONE;
        // An earlier release did not say when the pause or resume was made: its token's time part tells.
        long pauseMadeAt = r.more() ? r.readLong() : 0;
        // An earlier release did not say which trigger asked: a late copy is then told by its token alone.
        long triggerId = r.more() ? r.readLong() : 0;
        // An earlier release served a trigger at its claim, however its run ended.
        if (r.more() && r.readBoolean() && running != null) {
            running = new SlotState.Running(running.node(), running.session(), running.claimId(), running.kind(),
                    running.slot(), true);
        }
        int triggerCuts = r.more() ? r.readInt() : 0;
        SlotState.Flags flags = new SlotState.Flags(paused, pauseToken, triggerRequested, triggerServed, pauseMadeAt,
                triggerId, triggerCuts);
        return new SlotState(worker, lastSlot, fence, claimId, running,
                kind == null ? null : ClaimRequest.Kind.valueOf(kind), outcome == null ? null : Outcome.valueOf(outcome),
                startedAt, finishedAt, flags, lastNode, failures, reruns, deferred, passed);
    }
}
