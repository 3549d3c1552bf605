package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a resumed log tells a torn last frame (cut off) from damage (unreadable: a new voter). */
class RegisterLogDamageTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("registers-n1.log");
    }

    private int headerLength() {
        return LogRecords.header(0, "inc-1", 0).length;
    }

    /**
     * One flipped bit in the length of the first register frame: every forced, answered record after it
     * is taken for a torn tail, cut off and truncated away; the acceptor resumes having forgotten them.
     */
    @Test
    void aDamagedLengthBeforeTheLastFrameMakesTheLogUnreadableNotShorter() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            for (int i = 1; i <= 3; i++) {
                log.write("w" + i, accepted(1, 1, "value-" + i));
                log.force();
            }
        }
        byte[] bytes = Files.readAllBytes(file());
        bytes[headerLength()] ^= 0x40; // the high byte of w1's frame length: now far past the end
        Files.write(file(), bytes);

        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .as("three forced records would be dropped silently")
                .isInstanceOf(UnreadableRegisterLogException.class);
    }

    /**
     * A tail of zeros (a file extended but its data never written: a power loss on some file systems,
     * or pages dropped by a failed force followed by a crash) was never forced: it is torn, like any
     * incomplete last record. Eight zero bytes pass as a frame (length 0, and CRC-32C of nothing is 0).
     */
    @Test
    void aZeroFilledTailIsCutOffLikeAnyTornTail() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
        }
        Files.write(file(), new byte[4096], StandardOpenOption.APPEND);

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** For comparison: seven zero bytes are cut as torn. */
    @Test
    void sevenZeroBytesAreCutOff() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
        }
        Files.write(file(), new byte[7], StandardOpenOption.APPEND);
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }
}
