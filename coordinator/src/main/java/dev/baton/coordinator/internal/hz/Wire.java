package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The versioned wire format of Baton's records and messages. Each object is written as one byte
 * array: a format version, then its fields in a fixed order. A release may only append fields
 * and raise the version; a reader takes the fields it knows and ignores what follows, and fills
 * defaults for fields an older writer did not send. So members of two neighbouring releases can
 * read each other's records and messages during a rolling update.
 */
final class Wire {

    private Wire() {
    }

    /** Writes the fields of one object. */
    interface Body {
        void write(Out out) throws IOException;
    }

    static void write(ObjectDataOutput target, int version, Body body) throws IOException {
        target.writeByteArray(encode(version, body));
    }

    static byte[] encode(int version, Body body) {
        Out out = new Out();
        try {
            out.writeByte(version);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static In read(ObjectDataInput source) throws IOException {
        return decode(source.readByteArray());
    }

    static In decode(byte[] bytes) {
        return new In(bytes);
    }

    /**
     * Output with helpers for Baton's field types, in {@link DataOutputStream}'s encoding (big-endian,
     * modified UTF-8). Written on a byte array of its own: every claim, completion and backup encodes
     * a record, and the stream classes cost a few per cent of a loaded node's CPU.
     */
    static final class Out {
        private byte[] buf = new byte[256];
        private int size;

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void writeByte(int v) {
            ensure(1);
            buf[size++] = (byte) v;
        }

        void writeBoolean(boolean v) {
            writeByte(v ? 1 : 0);
        }

        void writeInt(int v) {
            writeBigEndian(v, Integer.BYTES);
        }

        void writeLong(long v) {
            writeBigEndian(v, Long.BYTES);
        }

        private void writeBigEndian(long v, int bytes) {
            ensure(bytes);
            for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
                buf[size++] = (byte) (v >>> shift);
            }
        }

        /** As {@link DataOutputStream#writeUTF}: a two-byte length, then modified UTF-8. */
        void writeUTF(String s) throws IOException {
            int n = s.length();
            if (n > 0xFFFF) {
                // Every character takes at least one byte: refused before anything is allocated for it.
                throw new UTFDataFormatException("encoded string too long: " + n + " characters, more than "
                        + 0xFFFF + " bytes");
            }
            if (isPlainAscii(s)) {
                ensure(2 + n);
                buf[size++] = (byte) (n >>> 8);
                buf[size++] = (byte) n;
                for (int i = 0; i < n; i++) {
                    buf[size++] = (byte) s.charAt(i);
                }
                return;
            }
            ByteArrayOutputStream other = new ByteArrayOutputStream(2 + Math.min(3 * n, 0xFFFF));
            new DataOutputStream(other).writeUTF(s);
            ensure(other.size());
            System.arraycopy(other.toByteArray(), 0, buf, size, other.size());
            size += other.size();
        }

        /** Characters that modified UTF-8 writes as one byte each (NUL takes two). */
        private static boolean isPlainAscii(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == 0 || c >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }

        /** A length, then the bytes. */
        void writeBytes(byte[] bytes) {
            writeInt(bytes.length);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
        }

        void writeNullable(String s) throws IOException {
            writeBoolean(s != null);
            if (s != null) {
                writeUTF(s);
            }
        }

        void writeStrings(Collection<String> strings) throws IOException {
            writeInt(strings.size());
            for (String s : strings) {
                writeUTF(s);
            }
        }

        void writeVoters(Voters v) throws IOException {
            writeBoolean(v != null);
            if (v != null) {
                writeUTF(v.lineage());
                writeLong(v.version());
                writeStrings(v.ids());
                writeLong(v.resets());
            }
        }

        /** The peak of a configuration written earlier in the body: appended in format 2, after all else. */
        void writePeak(Voters v) throws IOException {
            writeInt(v == null ? 0 : v.peak());
        }

        /** The change of a configuration written earlier in the body ({@link Voters#change}), after all else. */
        void writeChange(Voters v) throws IOException {
            writeUTF(v == null ? "" : v.change());
        }
    }

    /**
     * Input that tells whether a field was written at all (older writers wrote fewer), reading what
     * {@link Out} writes; past the end it throws {@link EOFException} as {@link DataInputStream} does.
     */
    static final class In {
        private final byte[] buf;
        private int pos;
        private final int version;

        In(byte[] bytes) {
            this.buf = bytes;
            if (bytes.length == 0) {
                throw new UncheckedIOException("an empty Baton record or message", new EOFException());
            }
            this.version = bytes[pos++] & 0xFF;
        }

        /** The format version the writer used. */
        int version() {
            return version;
        }

        /** Whether fields follow (a writer of an older format stops earlier). */
        boolean more() {
            return pos < buf.length;
        }

        private void need(int n) throws EOFException {
            if (buf.length - pos < n) {
                throw new EOFException("a Baton record or message ends " + (pos + n - buf.length)
                        + " bytes early (format " + version + ")");
            }
        }

        byte readByte() throws IOException {
            need(1);
            return buf[pos++];
        }

        boolean readBoolean() throws IOException {
            return readByte() != 0;
        }

        int readInt() throws IOException {
            return (int) readBigEndian(Integer.BYTES);
        }

        long readLong() throws IOException {
            return readBigEndian(Long.BYTES);
        }

        private long readBigEndian(int bytes) throws EOFException {
            need(bytes);
            long v = 0;
            for (int i = 0; i < bytes; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        /** As {@link DataInputStream#readUTF}. */
        String readUTF() throws IOException {
            need(2);
            int n = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
            need(2 + n);
            int from = pos + 2;
            for (int i = from; i < from + n; i++) {
                if (buf[i] <= 0) {
                    // Beyond ASCII, a two-byte NUL or a stray zero byte: rare, decoded by the JDK's own reader.
                    String s = new DataInputStream(new ByteArrayInputStream(buf, pos, 2 + n)).readUTF();
                    pos += 2 + n;
                    return s;
                }
            }
            pos += 2 + n;
            return new String(buf, from, n, StandardCharsets.ISO_8859_1);
        }

        /** What {@link Out#writeBytes} wrote. */
        byte[] readBytes() throws IOException {
            int n = readInt();
            if (n < 0) {
                throw new IOException("a field of " + n + " bytes (format " + version + ")");
            }
            need(n);
            byte[] bytes = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return bytes;
        }

        String readNullable() throws IOException {
            return readBoolean() ? readUTF() : null;
        }

        List<String> readStringList() throws IOException {
            int n = readInt();
            List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(readUTF());
            }
            return list;
        }

        Set<String> readStringSet() throws IOException {
            int n = readInt();
            Set<String> set = new HashSet<>(n * 2);
            for (int i = 0; i < n; i++) {
                set.add(readUTF());
            }
            return set;
        }

        Voters readVoters() throws IOException {
            if (!readBoolean()) {
                return null;
            }
            return new Voters(readUTF(), readLong(), readStringList(), readLong());
        }

        /** {@code v} with the peak {@link Out#writePeak} appended, if the writer sent one. */
        Voters readPeak(Voters v) throws IOException {
            if (!more()) {
                return v;
            }
            int peak = readInt();
            return v == null ? null : new Voters(v.lineage(), v.version(), v.ids(), v.resets(), peak);
        }

        /** {@code v} with the change {@link Out#writeChange} appended, if the writer sent one. */
        Voters readChange(Voters v) throws IOException {
            if (!more()) {
                return v;
            }
            String change = readUTF();
            return v == null ? null : new Voters(v.lineage(), v.version(), v.ids(), v.resets(), v.peak(), change);
        }
    }
}
