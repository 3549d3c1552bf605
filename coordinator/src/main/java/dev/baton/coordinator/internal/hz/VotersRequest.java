package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/** A step of agreeing on the next voters: prepare, accept, or learn a committed configuration. */
public final class VotersRequest implements IdentifiedDataSerializable {

    static final int FORMAT = 4;

    /** Codes fixed for the wire. */
    enum Kind {
        PREPARE(1), ACCEPT(2), LEARN(3);

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
            throw new IllegalArgumentException("unknown voters request code " + code);
        }
    }

    Kind kind;
    /** The configuration the step builds on (for LEARN: the committed one). */
    Voters base;
    Ballot ballot = Ballot.ZERO;
    /** For ACCEPT: the proposed next configuration. */
    Voters value;
    /**
     * For ACCEPT: the proposer, a voter of {@code base}, accepted {@code value} under this ballot and
     * kept it before it sent this (false from releases before format 3).
     */
    boolean proposerAccepted;

    public VotersRequest() {
        // for Hazelcast
    }

    static VotersRequest prepare(Voters base, Ballot ballot) {
        return of(Kind.PREPARE, base, ballot, null);
    }

    static VotersRequest accept(Voters base, Ballot ballot, Voters value) {
        return accept(base, ballot, value, false);
    }

    static VotersRequest accept(Voters base, Ballot ballot, Voters value, boolean proposerAccepted) {
        VotersRequest r = of(Kind.ACCEPT, base, ballot, value);
        r.proposerAccepted = proposerAccepted;
        return r;
    }

    static VotersRequest learn(Voters committed) {
        return of(Kind.LEARN, committed, Ballot.ZERO, null);
    }

    private static VotersRequest of(Kind kind, Voters base, Ballot ballot, Voters value) {
        VotersRequest r = new VotersRequest();
        r.kind = kind;
        r.base = base;
        r.ballot = ballot;
        r.value = value;
        return r;
    }

    /** Runs this step on a member's voter state. */
    VotersReply applyTo(VoterState state) {
        // Only committed configurations are proposed on: a member that has not heard of the base yet learns it here.
        state.learn(base);
        return switch (kind) {
            case PREPARE -> {
                VoterState.Promise p = state.prepare(base.lineage(), base.version(), ballot);
                yield VotersReply.promise(p.promised(), state.promisedRound(), p.acceptedBallot(), p.acceptedValue(),
                        p.current());
            }
            case ACCEPT -> {
                boolean ok = state.accept(base.lineage(), base.version(), ballot, value);
                if (ok && chosenOnAccepting(state)) {
                    state.learn(value);
                }
                yield VotersReply.accepted(ok, state.promisedRound(), state.current());
            }
            case LEARN -> VotersReply.accepted(true, state.promisedRound(), state.current());
        };
    }

    /**
     * Whether this acceptor, having just accepted, knows the value chosen: it and the proposer, both
     * voters of the base, accepted it under one ballot, and two are a majority of a base of two or
     * three. So the last voter but one learns a leaver's removal from the leaver's accept request
     * itself, and does not depend on a learn that a cut at that moment can lose, the leaver gone.
     */
    private boolean chosenOnAccepting(VoterState state) {
        String proposer = ballot.proposerVoter();
        return proposerAccepted && !proposer.equals(state.voterId()) && base.contains(proposer)
                && base.contains(state.voterId()) && base.majority() <= 2;
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.VOTERS_REQUEST;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.write(out, FORMAT, w -> {
            w.writeByte(kind.code);
            w.writeVoters(base);
            w.writeLong(ballot.round());
            w.writeUTF(ballot.proposer());
            w.writeVoters(value);
            w.writePeak(base);
            w.writePeak(value);
            w.writeBoolean(proposerAccepted);
            w.writeChange(base);
            w.writeChange(value);
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        kind = Kind.of(r.readByte());
        base = r.readVoters();
        ballot = new Ballot(r.readLong(), r.readUTF());
        value = r.readVoters();
        base = r.readPeak(base);
        value = r.readPeak(value);
        proposerAccepted = r.more() && r.readBoolean();
        base = r.readChange(base);
        value = r.readChange(value);
    }
}
