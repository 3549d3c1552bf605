package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/** A member's answer to a {@link VotersRequest}. */
public final class VotersReply implements IdentifiedDataSerializable {

    static final int FORMAT = 3;

    boolean ok;
    /** The highest round the member promised, so that a refused proposer can go above it. */
    long promisedRound;
    /** For a promise: what the member accepted before for the same next version, if anything. */
    Ballot acceptedBallot;
    Voters acceptedValue;
    /** The member's committed configuration. */
    Voters current = Voters.NONE;

    public VotersReply() {
        // for Hazelcast
    }

    static VotersReply promise(boolean ok, long promisedRound, Ballot acceptedBallot, Voters acceptedValue,
                               Voters current) {
        VotersReply r = accepted(ok, promisedRound, current);
        r.acceptedBallot = acceptedBallot;
        r.acceptedValue = acceptedValue;
        return r;
    }

    static VotersReply accepted(boolean ok, long promisedRound, Voters current) {
        VotersReply r = new VotersReply();
        r.ok = ok;
        r.promisedRound = promisedRound;
        r.current = current;
        return r;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.VOTERS_REPLY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeBoolean(ok);
            w.writeLong(promisedRound);
            w.writeBoolean(acceptedBallot != null);
            if (acceptedBallot != null) {
                w.writeLong(acceptedBallot.round());
                w.writeUTF(acceptedBallot.proposer());
            }
            w.writeVoters(acceptedValue);
            w.writeVoters(current);
            w.writePeak(acceptedValue);
            w.writePeak(current);
            w.writeChange(acceptedValue);
            w.writeChange(current);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        ok = r.readBoolean();
        promisedRound = r.readLong();
        acceptedBallot = r.readBoolean() ? new Ballot(r.readLong(), r.readUTF()) : null;
        acceptedValue = r.readVoters();
        Voters c = r.readVoters();
        acceptedValue = r.readPeak(acceptedValue);
        c = r.readPeak(c);
        acceptedValue = r.readChange(acceptedValue);
        c = r.readChange(c);
        current = c == null ? Voters.NONE : c;
    }
}
