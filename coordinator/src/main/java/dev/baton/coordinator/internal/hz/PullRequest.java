package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Asks a member for a piece of its worker registers: the values after a cursor, as a voter of version v
 * read while it knows v + 1 ({@link VoterPulls}); or, for anti-entropy ({@link RegisterSync}), the
 * index and ballot of each value after a cursor (a digest), or the values of named workers. Carried to
 * the member as a task and answered with a {@link PullReply}.
 */
public final class PullRequest implements Callable<PullReply>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FORMAT = 1;

    /** Codes fixed for the wire. */
    enum Kind {
        VALUES(0), DIGEST(1), NAMED(2);

        final int code;

        Kind(int code) {
            this.code = code;
        }

        static Kind of(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown pull request code " + code);
        }
    }

    Kind kind = Kind.VALUES;
    String lineage = "";
    /** The voter asked: a member that is another process now answers nothing. */
    String voterId = "";
    /** Workers after this one, in name order ("" for the first piece). */
    String after = "";
    int limit;
    /** For {@link Kind#NAMED}: the workers whose values are asked for. */
    List<String> workers = List.of();
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

    /** The index and ballot of each value after {@code after}, at most {@code limit}. */
    static PullRequest digest(String lineage, String voterId, String after, int limit) {
        PullRequest r = new PullRequest(lineage, voterId, after, limit);
        r.kind = Kind.DIGEST;
        return r;
    }

    /** The values of {@code workers}. */
    static PullRequest named(String lineage, String voterId, List<String> workers) {
        PullRequest r = new PullRequest(lineage, voterId, "", workers.size());
        r.kind = Kind.NAMED;
        r.workers = List.copyOf(workers);
        return r;
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
            // After the fields of a pull, so that a reader that knows only pulls stops before them.
            w.writeByte(kind.code);
            w.writeStrings(workers);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        lineage = r.readUTF();
        voterId = r.readUTF();
        after = r.readUTF();
        limit = r.readInt();
        if (r.more()) {
            kind = Kind.of(r.readByte());
            workers = r.readStringList();
        }
    }
}
