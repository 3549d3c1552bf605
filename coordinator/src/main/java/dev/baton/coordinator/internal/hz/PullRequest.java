package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Asks a voter of version v for a piece of its worker registers, read while it knows v + 1
 * ({@link VoterPulls}); carried to the member as a task and answered with a {@link PullReply}.
 */
public final class PullRequest implements Callable<PullReply>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FORMAT = 1;

    String lineage = "";
    /** The voter asked: a member that is another process now answers nothing. */
    String voterId = "";
    /** Workers after this one, in name order ("" for the first piece). */
    String after = "";
    int limit;
    private transient HazelcastInstance hazelcast;

    public PullRequest() {
        // for Hazelcast
    }

    PullRequest(String lineage, String voterId, String after, int limit) {
        this.lineage = lineage;
        this.voterId = voterId;
        this.after = after == null ? "" : after;
        this.limit = limit;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /** Answered by this member's registers; a member that takes none answers nothing. */
    @Override
    public PullReply call() {
        if (hazelcast != null && hazelcast.getUserContext().get(HzRegisters.RECEIVER_KEY) instanceof HzRegisters r) {
            return r.table.pull(this);
        }
        return PullReply.nothing();
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.PULL_REQUEST;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeUTF(lineage);
            w.writeUTF(voterId);
            w.writeUTF(after);
            w.writeInt(limit);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        lineage = r.readUTF();
        voterId = r.readUTF();
        after = r.readUTF();
        limit = r.readInt();
    }
}
