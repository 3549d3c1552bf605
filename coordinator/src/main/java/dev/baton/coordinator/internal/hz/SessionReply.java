package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A member's answer to a {@link SessionMessage}. */
public final class SessionReply implements DataSerializable {

    enum Status {
        /** Applied; {@code rejected} lists the workers whose lock another live session holds. */
        APPLIED,
        /** The member does not know the state the delta builds on: send a snapshot. */
        NEED_SNAPSHOT,
        /** No Baton runs on that member. */
        NOT_PARTICIPATING,
        /** The sender is not a member of the receiver's cluster (it was removed, or not yet admitted): ignored. */
        NOT_MEMBER
    }

    Status status;
    /** Applied, but the member only just joined and cannot vouch for locks yet: it does not vote. */
    boolean warmingUp;
    List<String> rejected = List.of();

    public SessionReply() {
        // for Hazelcast
    }

    static SessionReply of(Status status, boolean warmingUp, List<String> rejected) {
        SessionReply r = new SessionReply();
        r.status = status;
        r.warmingUp = warmingUp;
        r.rejected = rejected;
        return r;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(status.ordinal());
        out.writeBoolean(warmingUp);
        out.writeInt(rejected.size());
        for (String w : rejected) {
            out.writeString(w);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        status = Status.values()[in.readByte()];
        warmingUp = in.readBoolean();
        int n = in.readInt();
        rejected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rejected.add(in.readString());
        }
    }
}
