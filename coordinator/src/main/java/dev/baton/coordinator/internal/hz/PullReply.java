package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A piece of a voter's worker registers, with the voters version it knew when it read them
 * (0: it did not answer, being another process, of another lineage, or moving between versions).
 */
public final class PullReply implements IdentifiedDataSerializable {

    static final int FORMAT = 1;

    String voterId = "";
    String lineage = "";
    long version;
    /** Whether no worker follows the ones in this piece. */
    boolean last;
    Map<String, Accepted<SlotState>> values = Map.of();
    /** For a digest: the index and ballot of each value, in place of the values. */
    Map<String, Stamp> digest = Map.of();
    /** For a pull: the ballot promised for each worker of the piece (values alone would not carry them). */
    Map<String, Ballot> promises = Map.of();
    /**
     * The last worker the piece covered ("" for none): a digest names only workers that hold a value, and
     * a walk that went on from the last of those would ask again for a piece of promises alone for ever.
     */
    String through = "";

    /** Where a value stands in a register: its index and the ballot it was accepted under. */
    record Stamp(long index, Ballot ballot) {
    }

    public PullReply() {
        // for Hazelcast
    }

    PullReply(String voterId, String lineage, long version, boolean last, Map<String, Accepted<SlotState>> values) {
        this.voterId = voterId;
        this.lineage = lineage;
        this.version = version;
        this.last = last;
        this.values = Map.copyOf(values);
    }

    static PullReply nothing() {
        return new PullReply("", "", 0, false, Map.of());
    }

    boolean answered() {
        return version > 0;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.PULL_REPLY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeUTF(voterId);
            w.writeUTF(lineage);
            w.writeLong(version);
            w.writeBoolean(last);
            w.writeInt(values.size());
            for (Map.Entry<String, Accepted<SlotState>> e : values.entrySet()) {
                w.writeUTF(e.getKey());
                RegisterWire.writeAccepted(w, e.getValue());
            }
            w.writeInt(digest.size());
            for (Map.Entry<String, Stamp> e : digest.entrySet()) {
                w.writeUTF(e.getKey());
                w.writeLong(e.getValue().index());
                w.writeLong(e.getValue().ballot().round());
                w.writeUTF(e.getValue().ballot().session());
            }
            w.writeInt(promises.size());
            for (Map.Entry<String, Ballot> e : promises.entrySet()) {
                w.writeUTF(e.getKey());
                w.writeLong(e.getValue().round());
                w.writeUTF(e.getValue().session());
            }
            w.writeUTF(through);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        voterId = r.readUTF();
        lineage = r.readUTF();
        version = r.readLong();
        last = r.readBoolean();
        int n = r.readInt();
        Map<String, Accepted<SlotState>> read = new HashMap<>(Math.min(n, 1024) * 2);
        for (int i = 0; i < n; i++) {
            String worker = r.readUTF();
            Accepted<SlotState> value = RegisterWire.readAccepted(r);
            if (value != null) {
                read.put(worker, value);
            }
        }
        values = Map.copyOf(read);
        if (!r.more()) {
            return;
        }
        int d = r.readInt();
        Map<String, Stamp> stamps = new HashMap<>(Math.min(d, 4096) * 2);
        for (int i = 0; i < d; i++) {
            stamps.put(r.readUTF(), new Stamp(r.readLong(), new Ballot(r.readLong(), r.readUTF())));
        }
        digest = Map.copyOf(stamps);
        if (!r.more()) {
            return;
        }
        int p = r.readInt();
        Map<String, Ballot> promised = new HashMap<>(Math.min(p, 4096) * 2);
        for (int i = 0; i < p; i++) {
            promised.put(r.readUTF(), new Ballot(r.readLong(), r.readUTF()));
        }
        promises = Map.copyOf(promised);
        through = r.more() ? r.readUTF() : "";
    }
}
