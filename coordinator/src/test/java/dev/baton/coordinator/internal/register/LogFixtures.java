package dev.baton.coordinator.internal.register;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

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

    private LogFixtures() {
    }
}
