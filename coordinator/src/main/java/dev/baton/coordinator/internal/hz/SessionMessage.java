package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A session's renewal to one member: either the changes after {@code baseSeq} up to {@code seq},
 * or (when the member's state is unknown) a snapshot of what the session holds and runs. It also
 * carries what every member should know of the sender: its voters, its clock, the highest fencing
 * token it has seen, and whether its acknowledgements may count yet.
 */
public final class SessionMessage implements IdentifiedDataSerializable {

    static final int FORMAT = 6;

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
    /** The sender's wall clock when it sent this, in milliseconds. */
    long wallMillis;
    /** The highest fencing token the sender has seen. */
    long fenceFloor;
    /** The sender's process as a voter: node id and incarnation. */
    String voterId = "";
    /** The sender's voter configuration: lineage and version always, the ids when the receiver may lack them. */
    String lineage = "";
    long votersVersion;
    Voters voters;
    /**
     * Register operations (format 5), after every other field: they are not changes of the session's log
     * (no seq of their own), each placed after the lock change it follows. An older member stops before them.
     */
    List<RegisterOp> registerOps = List.of();
    /**
     * When the sender sent this, on its own process's monotonic clock (format 5): a member tells a copy of
     * an older message arriving late from news. Compared only as a difference, as {@link System#nanoTime}
     * readings must be (they may be negative, and wrap).
     */
    long sentNanos;
    /** Whether {@link #sentNanos} was set: an older release sends no stamp. */
    boolean stamped;

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

    /**
     * A snapshot carrying the events (triggers, pauses, orphaned runs) logged after what the member
     * acknowledged: a snapshot replaces the locks, but an event the member never applied would be
     * lost with the log. Older releases read them and ignore them, as before.
     */
    SessionMessage withEvents(List<SessionOp> events) {
        this.ops = events;
        return this;
    }

    SessionMessage about(Voters current, boolean withIds, long wallMillis, long fenceFloor, String voterId) {
        this.voterId = voterId;
        this.lineage = current.lineage();
        this.votersVersion = current.version();
        this.voters = withIds && !current.isNone() ? current : null;
        this.wallMillis = wallMillis;
        this.fenceFloor = fenceFloor;
        return this;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.SESSION_MESSAGE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, this::writeFields);
    }

    void writeFields(Wire.Out w) throws IOException {
        w.writeUTF(session);
        w.writeUTF(nodeId);
        w.writeUTF(memberUuid);
        w.writeLong(baseSeq);
        w.writeLong(seq);
        w.writeBoolean(snapshot);
        w.writeBoolean(closing);
        w.writeInt(ops.size());
        for (SessionOp op : ops) {
            w.writeLong(op.seq());
            w.writeByte(op.kind().code);
            w.writeUTF(op.worker());
            w.writeBoolean(op.flag());
        }
        w.writeStrings(held);
        w.writeStrings(registered);
        w.writeLong(wallMillis);
        w.writeLong(fenceFloor);
        w.writeUTF(lineage);
        w.writeLong(votersVersion);
        w.writeVoters(voters);
        w.writeUTF(voterId);
        w.writePeak(voters);
        // Format 3: each operation's token, after all else so that older readers stop before them.
        for (SessionOp op : ops) {
            w.writeLong(op.token());
        }
        // Format 4: when each operation's action was made.
        for (SessionOp op : ops) {
            w.writeLong(op.madeAt());
        }
        // Format 5: the send stamp, then register operations in a section of their own.
        w.writeLong(sentNanos);
        w.writeBytes(RegisterWire.encode(registerOps));
        // Format 6: the change the configuration made, so that a member hearing of it first knows the one before.
        w.writeChange(voters);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        readFrom(Wire.read(in));
    }

    void readFrom(Wire.In r) throws IOException {
        session = r.readUTF();
        nodeId = r.readUTF();
        memberUuid = r.readUTF();
        baseSeq = r.readLong();
        seq = r.readLong();
        snapshot = r.readBoolean();
        closing = r.readBoolean();
        int n = r.readInt();
        ops = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            ops.add(new SessionOp(r.readLong(), SessionOp.Kind.of(r.readByte()), r.readUTF(), r.readBoolean()));
        }
        held = r.readStringSet();
        registered = r.readStringSet();
        wallMillis = r.readLong();
        fenceFloor = r.readLong();
        lineage = r.readUTF();
        votersVersion = r.readLong();
        voters = r.readVoters();
        voterId = r.readUTF();
        voters = r.readPeak(voters);
        if (r.version() >= 3) {
            for (int i = 0; i < n; i++) {
                SessionOp op = ops.get(i);
                ops.set(i, new SessionOp(op.seq(), op.kind(), op.worker(), op.flag(), r.readLong(), 0));
            }
        }
        if (r.version() >= 4) {
            for (int i = 0; i < n; i++) {
                SessionOp op = ops.get(i);
                ops.set(i, new SessionOp(op.seq(), op.kind(), op.worker(), op.flag(), op.token(), r.readLong()));
            }
        }
        if (r.version() >= 5) {
            sentNanos = r.readLong();
            stamped = true;
            registerOps = RegisterWire.decode(r.readBytes(), session);
        }
        if (r.version() >= 6) {
            voters = r.readChange(voters);
        }
    }
}
