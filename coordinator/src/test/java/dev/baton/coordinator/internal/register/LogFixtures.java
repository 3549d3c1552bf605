package dev.baton.coordinator.internal.register;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What the register log's tests write: text values, and registers holding one accepted value. */
final class LogFixtures {

    static final ValueCodec<String> TEXT = text(StandardCharsets.UTF_8);

    /** Values as text in {@code charset}; ISO-8859-1 carries any bytes unchanged. */
    static ValueCodec<String> text(Charset charset) {
        return new ValueCodec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(charset);
            }

            @Override
            public String decode(byte[] bytes) {
                return new String(bytes, charset);
            }
        };
    }

    /** A register that promised and accepted {@code value} at {@code index} under round {@code round} of session "s". */
    static RegisterState<String> accepted(long index, long round, String value) {
        Ballot ballot = new Ballot(round, "s");
        return new RegisterState<>(ballot, new Accepted<>(index, ballot, value), false, null);
    }

    /** The stamp of the frame a log at {@code file} writes as its {@code sequence}th (its id read from its header). */
    static LogRecords.Stamp stamp(Path file, long sequence) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long id = LogRecords.readStamp(Arrays.copyOfRange(bytes, LogRecords.FRAME_OVERHEAD, bytes.length)).fileId();
        return new LogRecords.Stamp(id, sequence);
    }

    /** The last byte of a frame's body (a frame is padded with zeros after it). */
    static int lastBodyByte(byte[] frame) {
        return LogRecords.FRAME_OVERHEAD + java.nio.ByteBuffer.wrap(frame).getInt(0) - 1;
    }

    /** The index of the last byte that is not zero: inside the last frame of a log of text values. */
    static int lastNonZero(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != 0) {
                return i;
            }
        }
        throw new AssertionError("an empty file");
    }

    private LogFixtures() {
    }
}
