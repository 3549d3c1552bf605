package dev.baton.coordinator.internal.register;

import java.nio.charset.StandardCharsets;

/** Register values as text, for the log's tests. */
final class TextCodec {

    static final ValueCodec<String> UTF_8 = new ValueCodec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    private TextCodec() {
    }
}
