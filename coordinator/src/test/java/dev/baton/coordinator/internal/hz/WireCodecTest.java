package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Baton's own encoder and decoder must write and read exactly the bytes of {@link DataOutputStream}:
 * the releases before wrote records and messages with it, and a rolling update runs both side by side.
 */
class WireCodecTest {

    private sealed interface Field permits Bool, Int32, Int64, Text {
    }

    private record Bool(boolean v) implements Field {
    }

    private record Int32(int v) implements Field {
    }

    private record Int64(long v) implements Field {
    }

    private record Text(String v) implements Field {
    }

    @Test
    void writesAndReadsWhatDataOutputStreamDoesForAnyFieldsAndStrings() throws IOException {
        Random random = new Random(53);
        for (int run = 0; run < 2_000; run++) {
            List<Field> fields = fields(random);
            ByteArrayOutputStream jdk = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(jdk);
            data.writeByte(7);
            for (Field f : fields) {
                switch (f) {
                    case Bool b -> data.writeBoolean(b.v());
                    case Int32 i -> data.writeInt(i.v());
                    case Int64 l -> data.writeLong(l.v());
                    case Text t -> data.writeUTF(t.v());
                }
            }

            byte[] ours = Wire.encode(7, w -> {
                for (Field f : fields) {
                    switch (f) {
                        case Bool b -> w.writeBoolean(b.v());
                        case Int32 i -> w.writeInt(i.v());
                        case Int64 l -> w.writeLong(l.v());
                        case Text t -> w.writeUTF(t.v());
                    }
                }
            });

            assertThat(ours).as("run %d: %s", run, fields).isEqualTo(jdk.toByteArray());
            Wire.In in = Wire.decode(jdk.toByteArray());
            assertThat(in.version()).isEqualTo(7);
            List<Field> read = new ArrayList<>();
            for (Field f : fields) {
                read.add(switch (f) {
                    case Bool b -> new Bool(in.readBoolean());
                    case Int32 i -> new Int32(in.readInt());
                    case Int64 l -> new Int64(in.readLong());
                    case Text t -> new Text(in.readUTF());
                });
            }
            assertThat(read).as("run %d", run).isEqualTo(fields);
            assertThat(in.more()).isFalse();
        }
    }

    @Test
    void aRecordCutShortFailsWithEofAndAnEmptyOneSaysSo() throws IOException {
        byte[] whole = Wire.encode(3, w -> {
            w.writeLong(42);
            w.writeUTF("report");
        });

        for (int length = 2; length < whole.length; length++) {
            Wire.In in = Wire.decode(Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> {
                in.readLong();
                in.readUTF();
            }).as("cut at %d bytes", length).isInstanceOf(EOFException.class);
        }
        assertThatThrownBy(() -> Wire.decode(new byte[0])).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void aStringOfExactlyTheFormatsLimitIsWrittenAndOneByteMoreIsRefusedBeforeAnythingIsAllocated()
            throws IOException {
        for (String fits : List.of("a".repeat(0xFFFF), "工".repeat(0xFFFF / 3), "é".repeat(0xFFFF / 2) + "a")) {
            ByteArrayOutputStream jdk = new ByteArrayOutputStream();
            new DataOutputStream(jdk).writeUTF(fits);
            byte[] ours = Wire.encode(1, w -> w.writeUTF(fits));
            assertThat(Arrays.copyOfRange(ours, 1, ours.length)).isEqualTo(jdk.toByteArray());
            assertThat(Wire.decode(ours).readUTF()).isEqualTo(fits);
        }
        for (String tooLong : List.of("a".repeat(0x10000), "a".repeat(0xFFFE) + "\u0000", "é".repeat(40_000),
                "a".repeat(50_000_000))) {
            assertThatThrownBy(() -> Wire.encode(1, w -> w.writeUTF(tooLong)))
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(UTFDataFormatException.class);
        }
    }

    /** Any bytes, read field by field, give what DataInputStream gives: the same values or the same failure. */
    @Test
    void readsAnyBytesAsDataInputStreamDoes() throws IOException {
        Random random = new Random(17);
        byte[] interesting = {0, 1, -1, (byte) 0x7F, (byte) 0x80, (byte) 0xC0, (byte) 0xC3, (byte) 0xE0,
                (byte) 0xE5, (byte) 0xF0, (byte) 0xBF};
        for (int run = 0; run < 20_000; run++) {
            byte[] bytes = new byte[1 + random.nextInt(24)];
            for (int i = 1; i < bytes.length; i++) {
                bytes[i] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)]
                        : (byte) random.nextInt(256);
            }
            if (bytes.length > 2 && random.nextBoolean()) {
                bytes[1] = 0;
                bytes[2] = (byte) random.nextInt(bytes.length + 2);
            }
            DataInputStream jdk = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1));
            Wire.In ours = Wire.decode(bytes);
            for (int read = 0; read < 6; read++) {
                int kind = random.nextInt(5);
                Object expected = readOne(() -> switch (kind) {
                    case 0 -> jdk.readByte();
                    case 1 -> jdk.readBoolean();
                    case 2 -> jdk.readInt();
                    case 3 -> jdk.readLong();
                    default -> jdk.readUTF();
                });
                Object actual = readOne(() -> switch (kind) {
                    case 0 -> ours.readByte();
                    case 1 -> ours.readBoolean();
                    case 2 -> ours.readInt();
                    case 3 -> ours.readLong();
                    default -> ours.readUTF();
                });
                assertThat(actual).as("run %d, read %d of %s", run, read, Arrays.toString(bytes)).isEqualTo(expected);
                if (expected instanceof Class<?>) {
                    break;
                }
            }
        }
    }

    private interface Read {
        Object read() throws IOException;
    }

    /** The value read, or the class of what was thrown. */
    private static Object readOne(Read read) {
        try {
            return read.read();
        } catch (IOException e) {
            return e.getClass();
        }
    }

    private static List<Field> fields(Random random) {
        List<Field> fields = new ArrayList<>();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            fields.add(switch (random.nextInt(4)) {
                case 0 -> new Bool(random.nextBoolean());
                case 1 -> new Int32(random.nextInt());
                case 2 -> new Int64(random.nextLong());
                default -> new Text(text(random));
            });
        }
        return fields;
    }

    /** Mostly ASCII, as worker and node names are; sometimes NUL, accents, CJK, surrogate pairs or long. */
    private static String text(Random random) {
        int length = random.nextInt(10) == 0 ? 70_000 / 3 : random.nextInt(40);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(switch (random.nextInt(20)) {
                case 0 -> "\u0000";
                case 1 -> "é";
                case 2 -> "工";
                case 3 -> "\uD83D\uDE00";
                case 4 -> "\u007F";
                default -> String.valueOf((char) ('!' + random.nextInt(94)));
            });
        }
        return s.toString();
    }
}
