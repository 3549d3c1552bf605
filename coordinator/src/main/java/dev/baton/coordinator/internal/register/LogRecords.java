package dev.baton.coordinator.internal.register;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The frames of a register log: a length, a CRC-32C of the length, a CRC-32C of the body, the body,
 * zeros to the next {@link #BLOCK} boundary. Every body begins with the file's id and the frame's
 * sequence number in the file, so that a frame left on the disk by another file (an older log
 * before a compaction, another member's) is never read as this one's. The first frame is the header
 * (the format, the incarnation of the voter state the log belongs to, and how far the file was forced
 * before it was put in place); each later one is the batch of one force, each register's whole
 * state, so that replaying the frames in order and keeping the last per worker restores every
 * register.
 */
final class LogRecords<V> {

    /** A frame's length, the length's CRC-32C and the body's. */
    static final int FRAME_OVERHEAD = 12;
    /**
     * Frames start on block boundaries: a device that tears the block an append writes into then tears
     * only the batch being forced, never one forced before it.
     */
    static final int BLOCK = 4096;
    private static final String MAGIC = "baton-registers-2";
    private static final int STAMP = 16;

    private final ValueCodec<V> codec;

    LogRecords(ValueCodec<V> codec) {
        this.codec = codec;
    }

    /** What a header says: whose log this is, and the end of the part forced before the file was put in place. */
    record Header(String incarnation, long sealedEnd) {
    }

    /** The file's id and a frame's place in it, at the start of every body. */
    record Stamp(long fileId, long sequence) {
    }

    /**
     * A header frame (sequence 0); {@code sealedEnd} is where the part of the file forced before its
     * rename ends: a bad frame before it is damage, never a torn tail.
     */
    static byte[] header(long fileId, String incarnation, long sealedEnd) {
        return frame(body(out -> {
            writeStamp(out, new Stamp(fileId, 0));
            out.writeUTF(MAGIC);
            out.writeUTF(incarnation);
            out.writeLong(sealedEnd);
        }));
    }

    /** The stamp a frame's body begins with. */
    static Stamp readStamp(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        return new Stamp(in.readLong(), in.readLong());
    }

    /** What a header says, or an exception saying why it is not a header. */
    static Header readHeader(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        in.skipNBytes(STAMP);
        String magic = in.readUTF();
        if (!MAGIC.equals(magic)) {
            throw new IOException("not a register log of this format (" + magic + ")");
        }
        return new Header(in.readUTF(), in.readLong());
    }

    private static void writeStamp(DataOutputStream out, Stamp stamp) throws IOException {
        out.writeLong(stamp.fileId());
        out.writeLong(stamp.sequence());
    }

    /**
     * One frame for every register state of a force (a group commit): forced together, they are torn
     * together, so damage inside the last batch is never taken for damage to a batch already forced.
     * {@code sizes} receives each record's size, for the log's count of live bytes.
     */
    byte[] batch(Stamp stamp, Map<String, RegisterState<V>> states, Map<String, Integer> sizes) {
        return frame(body(out -> {
            writeStamp(out, stamp);
            out.writeInt(states.size());
            for (Map.Entry<String, RegisterState<V>> e : states.entrySet()) {
                byte[] record = register(e.getKey(), e.getValue());
                out.writeInt(record.length);
                out.write(record);
                sizes.put(e.getKey(), record.length + 4);
            }
        }));
    }

    /** Reads a batch frame's body: each register's worker and state, with its record's size. */
    List<Entry<V>> readBatch(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        in.skipNBytes(STAMP);
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("a batch of " + count + " records");
        }
        List<Entry<V>> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] record = in.readNBytes(in.readInt());
            entries.add(readRegister(record));
        }
        if (in.available() > 0) {
            throw new IOException(in.available() + " bytes after the batch's last record");
        }
        return entries;
    }

    private byte[] register(String worker, RegisterState<V> state) {
        return body(out -> {
            out.writeUTF(worker);
            writeBallot(out, state.promised());
            out.writeBoolean(state.copy());
            writeAccepted(out, state.accepted());
            writeAccepted(out, state.chosen());
        });
    }

    private Entry<V> readRegister(byte[] record) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
        String worker = in.readUTF();
        Ballot promised = readBallot(in);
        boolean copy = in.readBoolean();
        Accepted<V> accepted = readAccepted(in);
        Accepted<V> chosen = readAccepted(in);
        return new Entry<>(worker, new RegisterState<>(promised, accepted, copy, chosen), record.length + 4);
    }

    record Entry<V>(String worker, RegisterState<V> state, int size) {
    }

    static int checksum(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return (int) crc.getValue();
    }

    /** The checksum of a frame's length, so that a damaged length is told from a torn last frame. */
    static int lengthChecksum(int length) {
        return checksum(ByteBuffer.allocate(4).putInt(length).array());
    }

    /** The frame of {@code body}, padded with zeros to a whole number of blocks. */
    private static byte[] frame(byte[] body) {
        int length = FRAME_OVERHEAD + body.length;
        ByteBuffer frame = ByteBuffer.allocate((length + BLOCK - 1) / BLOCK * BLOCK);
        frame.putInt(body.length).putInt(lengthChecksum(body.length)).putInt(checksum(body)).put(body);
        return frame.array();
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] body(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static void writeBallot(DataOutputStream out, Ballot ballot) throws IOException {
        out.writeLong(ballot.round());
        out.writeUTF(ballot.session());
    }

    private static Ballot readBallot(DataInputStream in) throws IOException {
        return new Ballot(in.readLong(), in.readUTF());
    }

    private void writeAccepted(DataOutputStream out, Accepted<V> accepted) throws IOException {
        out.writeBoolean(accepted != null);
        if (accepted != null) {
            out.writeLong(accepted.index());
            writeBallot(out, accepted.ballot());
            byte[] value = codec.encode(accepted.value());
            out.writeInt(value.length);
            out.write(value);
        }
    }

    private Accepted<V> readAccepted(DataInputStream in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        long index = in.readLong();
        Ballot ballot = readBallot(in);
        byte[] value = in.readNBytes(in.readInt());
        return new Accepted<>(index, ballot, codec.decode(value));
    }
}
