package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Set;

/**
 * A member's answer to a {@link SessionMessage}. It states the member's lock table as it stands
 * after applying the message, so that a late, duplicated or reordered reply is still true: the
 * session's changes applied so far ({@code appliedSeq}), and which of the locks the session asked
 * for this member does not record as the session's ({@code refused}, because it knows another
 * live holder). Every lock of the session acquired at or before {@code appliedSeq} and not refused
 * is recorded here as the session's: the reply supports it.
 */
public final class SessionReply implements IdentifiedDataSerializable {

    static final int FORMAT = 4;

    /** How a member answered; codes fixed for the wire. */
    enum Status {
        /** Applied; see {@code appliedSeq} and {@code refused}. */
        APPLIED(1),
        /** The member does not know the state the delta builds on: send a snapshot. */
        NEED_SNAPSHOT(2),
        /** No Baton runs on that member. */
        NOT_PARTICIPATING(3),
        /** The sender is not a member of the receiver's cluster (it was removed, or not yet admitted): ignored. */
        NOT_MEMBER(4);

        final int code;

        Status(int code) {
            this.code = code;
        }

        static Status of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown session reply code " + code + " (from a newer Baton release?)");
        }
    }

    Status status;
    /**
     * The member resumed a saved voter identity less than a lease plus margin ago: its table may lack
     * leases its earlier life supported, so its answer does not count yet.
     */
    boolean warmingUp;
    /** The member's process as a voter (node id and incarnation): the voter it speaks for. */
    String voterId = "";
    long appliedSeq = -1;
    Set<String> refused = Set.of();
    String lineage = "";
    long votersVersion;
    /** The member's voters, when they are newer than the sender's. */
    Voters voters;
    long wallMillis;
    long fenceFloor;
    /**
     * Whether this member takes register operations (format 3; an older member does not): a session whose
     * voters mostly do not fails its writes at once instead of waiting.
     */
    boolean registers;

    public SessionReply() {
        // for Hazelcast
    }

    static SessionReply of(Status status) {
        SessionReply r = new SessionReply();
        r.status = status;
        return r;
    }

    static SessionReply applied(long appliedSeq, Set<String> refused) {
        SessionReply r = of(Status.APPLIED);
        r.appliedSeq = appliedSeq;
        r.refused = refused;
        return r;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.SESSION_REPLY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeByte(status.code);
            w.writeBoolean(warmingUp);
            w.writeUTF(voterId);
            w.writeLong(appliedSeq);
            w.writeStrings(refused);
            w.writeUTF(lineage);
            w.writeLong(votersVersion);
            w.writeVoters(voters);
            w.writeLong(wallMillis);
            w.writeLong(fenceFloor);
            w.writePeak(voters);
            w.writeBoolean(registers);
            w.writeChange(voters);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        status = Status.of(r.readByte());
        warmingUp = r.readBoolean();
        voterId = r.readUTF();
        appliedSeq = r.readLong();
        refused = r.readStringSet();
        lineage = r.readUTF();
        votersVersion = r.readLong();
        voters = r.readVoters();
        wallMillis = r.readLong();
        fenceFloor = r.readLong();
        voters = r.readPeak(voters);
        registers = r.version() >= 3 && r.readBoolean();
        voters = r.readChange(voters);
    }
}
