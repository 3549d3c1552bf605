package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A session's renewal to one member: either the changes after {@code baseSeq} up to {@code seq},
 * or (when the member's state is unknown) a snapshot of what the session holds and runs.
 */
public final class SessionMessage implements DataSerializable {

    String session;
    String nodeId;
    String memberUuid;
    long baseSeq;
    long seq;
    boolean snapshot;
    boolean closing;
    List<SessionOp> ops = List.of();
    Set<String> held = Set.of();
    Set<String> registered = Set.of();

    public SessionMessage() {
        // for Hazelcast
    }

    static SessionMessage delta(String session, String nodeId, String memberUuid, long baseSeq, long seq,
                                List<SessionOp> ops, boolean closing) {
        SessionMessage m = new SessionMessage();
        m.session = session;
        m.nodeId = nodeId;
        m.memberUuid = memberUuid;
        m.baseSeq = baseSeq;
        m.seq = seq;
        m.ops = ops;
        m.closing = closing;
        return m;
    }

    static SessionMessage snapshot(String session, String nodeId, String memberUuid, long seq, Set<String> held,
                                   Set<String> registered, boolean closing) {
        SessionMessage m = delta(session, nodeId, memberUuid, -1, seq, List.of(), closing);
        m.snapshot = true;
        m.held = held;
        m.registered = registered;
        return m;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(session);
        out.writeString(nodeId);
        out.writeString(memberUuid);
        out.writeLong(baseSeq);
        out.writeLong(seq);
        out.writeBoolean(snapshot);
        out.writeBoolean(closing);
        out.writeInt(ops.size());
        for (SessionOp op : ops) {
            out.writeLong(op.seq());
            out.writeByte(op.kind().ordinal());
            out.writeString(op.worker());
            out.writeBoolean(op.flag());
        }
        writeSet(out, held);
        writeSet(out, registered);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        session = in.readString();
        nodeId = in.readString();
        memberUuid = in.readString();
        baseSeq = in.readLong();
        seq = in.readLong();
        snapshot = in.readBoolean();
        closing = in.readBoolean();
        int n = in.readInt();
        ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ops.add(new SessionOp(in.readLong(), SessionOp.Kind.values()[in.readByte()], in.readString(),
                    in.readBoolean()));
        }
        held = readSet(in);
        registered = readSet(in);
    }

    private static void writeSet(ObjectDataOutput out, Set<String> set) throws IOException {
        out.writeInt(set.size());
        for (String s : set) {
            out.writeString(s);
        }
    }

    private static Set<String> readSet(ObjectDataInput in) throws IOException {
        int n = in.readInt();
        Set<String> set = new HashSet<>(n * 2);
        for (int i = 0; i < n; i++) {
            set.add(in.readString());
        }
        return set;
    }
}
