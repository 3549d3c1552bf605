package dev.baton.coordinator.internal.hz;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (Out out = new Out(bytes)) {
            out.writeByte(version);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static In read(ObjectDataInput source) throws IOException {
        return decode(source.readByteArray());
    }

    static In decode(byte[] bytes) {
        return new In(bytes);
    }

    /** Output with helpers for Baton's field types. */
    static final class Out extends DataOutputStream {
        Out(ByteArrayOutputStream bytes) {
            super(bytes);
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
    }

    /** Input that tells whether a field was written at all (older writers wrote fewer). */
    static final class In extends DataInputStream {
        private final int version;

        In(byte[] bytes) {
            super(new ByteArrayInputStream(bytes));
            try {
                this.version = readUnsignedByte();
            } catch (IOException e) {
                throw new UncheckedIOException("an empty Baton record or message", e);
            }
        }

        /** The format version the writer used. */
        int version() {
            return version;
        }

        /** Whether fields follow (a writer of an older format stops earlier). */
        boolean more() throws IOException {
            return available() > 0;
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
    }
}
