package dev.baton.coordinator.internal.hz;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.spi.ClaimRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Claims a slot on the partition owner. The caller already holds the worker's lock in the
 * session lock table (a quorum agreed), so a holder still in the record cannot be running: its
 * slot counts as crashed. Deterministic in its inputs (the time is the caller's), so the backup
 * replica computes the same result.
 */
public final class ClaimProcessor implements EntryProcessor<String, HzSlot, HzSlot>, DataSerializable {

    private ClaimRequest request;
    private String node;
    private String session;
    private long nowMillis;

    public ClaimProcessor() {
        // for Hazelcast
    }

    ClaimProcessor(ClaimRequest request, String node, String session, long nowMillis) {
        this.request = request;
        this.node = node;
        this.session = session;
        this.nowMillis = nowMillis;
    }

    @Override
    public HzSlot process(Map.Entry<String, HzSlot> entry) {
        SlotState current = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        Optional<SlotState> next = ClaimRules.claim(current, request, false, node, session, nowMillis);
        if (next.isEmpty()) {
            return null;
        }
        HzSlot stored = new HzSlot(next.get());
        entry.setValue(stored);
        return stored;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(request.worker());
        out.writeLong(request.slot().toEpochMilli());
        out.writeByte(request.kind().ordinal());
        out.writeBoolean(request.chained());
        out.writeLong(request.expectedLastSlot().map(Instant::toEpochMilli).orElse(SlotState.NONE));
        out.writeString(node);
        out.writeString(session);
        out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        String worker = in.readString();
        Instant slot = Instant.ofEpochMilli(in.readLong());
        ClaimRequest.Kind kind = ClaimRequest.Kind.values()[in.readByte()];
        boolean chained = in.readBoolean();
        long expected = in.readLong();
        request = new ClaimRequest(worker, slot, kind, chained,
                chained && expected != SlotState.NONE ? Optional.of(Instant.ofEpochMilli(expected)) : Optional.empty());
        node = in.readString();
        session = in.readString();
        nowMillis = in.readLong();
    }
}
