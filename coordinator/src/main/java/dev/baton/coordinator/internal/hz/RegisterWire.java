package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Answer;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.Operation;
import dev.baton.coordinator.internal.register.ValueCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How register operations and answers are written on the wire: a worker's record as the value, in
 * its own versioned format ({@link HzSlot#encode}), so that a record's later fields travel with it.
 */
final class RegisterWire {

    /** Records as register values, for the wire and the register log. */
    static final ValueCodec<SlotState> RECORDS = new ValueCodec<>() {
        @Override
        public byte[] encode(SlotState value) {
            return HzSlot.encode(value);
        }

        @Override
        public SlotState decode(byte[] bytes) throws IOException {
            return HzSlot.decode(bytes);
        }
    };

    // Codes fixed for the wire: never reuse or renumber one.
    private static final Operation.Kind[] OPERATIONS = {Operation.Kind.PREPARE, Operation.Kind.ACCEPT,
            Operation.Kind.CHOSEN};
    private static final Answer.Kind[] ANSWERS = {Answer.Kind.PROMISED, Answer.Kind.ACCEPTED,
            Answer.Kind.REFUSED_BALLOT, Answer.Kind.REFUSED_VERSION, Answer.Kind.SUPERSEDED};

    private static final Logger log = LoggerFactory.getLogger(RegisterWire.class);
    private static final int SECTION_FORMAT = 1;

    private RegisterWire() {
    }

    /**
     * A message's register operations as a section of their own (a length, then its own format): a
     * member that cannot read them (an operation of a later release, a value it cannot decode) drops
     * them and still reads the lock's changes around them.
     */
    static byte[] encode(List<RegisterOp> ops) {
        return Wire.encode(SECTION_FORMAT, out -> {
            out.writeInt(ops.size());
            for (RegisterOp op : ops) {
                write(out, op);
            }
        });
    }

    /** The operations {@link #encode} wrote, or none if they cannot be read (logged). */
    static List<RegisterOp> decode(byte[] section, String session) {
        try {
            Wire.In in = Wire.decode(section);
            int n = in.readInt();
            List<RegisterOp> ops = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                ops.add(readOp(in));
            }
            return ops;
        } catch (IOException | RuntimeException e) {
            log.debug("Register operations of session {} dropped, unreadable here: {}", session, e.toString());
            return List.of();
        }
    }

    static void write(Wire.Out out, RegisterOp op) throws IOException {
        out.writeLong(op.number());
        out.writeLong(op.afterSeq());
        Operation<SlotState> o = op.operation();
        out.writeLong(o.id());
        out.writeByte(code(OPERATIONS, o.kind()));
        out.writeUTF(o.worker());
        writeBallot(out, o.ballot());
        out.writeLong(o.tag());
        out.writeLong(o.index());
        writeValue(out, o.value());
    }

    static RegisterOp readOp(Wire.In in) throws IOException {
        long number = in.readLong();
        long afterSeq = in.readLong();
        long id = in.readLong();
        Operation.Kind kind = of(OPERATIONS, in.readByte(), "register operation");
        String worker = in.readUTF();
        Ballot ballot = readBallot(in);
        long tag = in.readLong();
        long index = in.readLong();
        SlotState value = readValue(in);
        return new RegisterOp(number, afterSeq, new Operation<>(id, kind, worker, ballot, tag, index, value));
    }

    static void write(Wire.Out out, Answer<SlotState> answer) throws IOException {
        out.writeByte(code(ANSWERS, answer.kind()));
        out.writeLong(answer.version());
        writeBallot(out, answer.promised());
        writeAccepted(out, answer.accepted());
        writeAccepted(out, answer.chosen());
    }

    static Answer<SlotState> readAnswer(Wire.In in) throws IOException {
        Answer.Kind kind = of(ANSWERS, in.readByte(), "register answer");
        return new Answer<>(kind, in.readLong(), readBallot(in), readAccepted(in), readAccepted(in));
    }

    private static void writeBallot(Wire.Out out, Ballot ballot) throws IOException {
        out.writeLong(ballot.round());
        out.writeUTF(ballot.session());
    }

    private static Ballot readBallot(Wire.In in) throws IOException {
        return new Ballot(in.readLong(), in.readUTF());
    }

    static void writeAccepted(Wire.Out out, Accepted<SlotState> accepted) throws IOException {
        out.writeBoolean(accepted != null);
        if (accepted != null) {
            out.writeLong(accepted.index());
            writeBallot(out, accepted.ballot());
            writeValue(out, accepted.value());
        }
    }

    static Accepted<SlotState> readAccepted(Wire.In in) throws IOException {
        return in.readBoolean() ? new Accepted<>(in.readLong(), readBallot(in), readValue(in)) : null;
    }

    private static void writeValue(Wire.Out out, SlotState value) {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeBytes(HzSlot.encode(value));
        }
    }

    private static SlotState readValue(Wire.In in) throws IOException {
        return in.readBoolean() ? HzSlot.decode(in.readBytes()) : null;
    }

    private static <E> int code(E[] codes, E kind) {
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] == kind) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(kind + " has no wire code");
    }

    private static <E> E of(E[] codes, int code, String what) {
        if (code < 1 || code > codes.length) {
            throw new IllegalArgumentException("unknown " + what + " code " + code + " (from a newer Baton release?)");
        }
        return codes[code - 1];
    }
}
