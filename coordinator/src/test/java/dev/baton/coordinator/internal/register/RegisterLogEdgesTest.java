package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edges of the log's format that hold (tried by the thirteenth review). */
class RegisterLogEdgesTest {

    private static final int BLOCK = LogRecords.BLOCK;

    @TempDir
    Path dir;

    private final LogRecords<String> records = new LogRecords<>(TEXT);

    private Path file() {
        return dir.resolve("registers-n1.log");
    }

    private long forcedW1() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "forced"));
            log.force();
            return log.size();
        }
    }

    private byte[] frame(long sequence, String worker, String value) throws IOException {
        return records.batch(LogFixtures.stamp(file(), sequence), Map.of(worker, accepted(1, 1, value)), new HashMap<>());
    }

    private void append(byte[] bytes) throws IOException {
        Files.write(file(), bytes, StandardOpenOption.APPEND);
    }

    /** The last frame's body whole, its zero padding cut by the file's end: read, and the next append lands after it. */
    @Test
    void aLastFrameWithItsPaddingCutIsReadAndAppendedAfter() throws IOException {
        forcedW1();
        byte[] w2 = frame(2, "w2", "body whole, padding cut");
        append(Arrays.copyOf(w2, LogFixtures.lastBodyByte(w2) + 1));
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1", "w2");
            assertThat(log.size() % BLOCK).isZero();
            log.write("w3", accepted(1, 1, "after"));
            log.force();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1", "w2", "w3");
        }
    }

    /** A frame whose head says more than the file holds, with garbage after: a torn tail. */
    @Test
    void aFrameRunningPastTheEndIsATornTail() throws IOException {
        forcedW1();
        byte[] w2 = frame(2, "w2", "x".repeat(9000));
        append(Arrays.copyOf(w2, BLOCK + 100));
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** A torn tail cut, then a new batch at the same sequence and offset, then another torn one: all fine. */
    @Test
    void aSequenceReusedAfterACutIsRead() throws IOException {
        forcedW1();
        byte[] torn = frame(2, "w2", "y".repeat(6000));
        torn[LogFixtures.lastBodyByte(torn)] ^= 1;
        append(torn);
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
            log.write("w3", accepted(1, 1, "reused seq 2"));
            log.force();
            log.write("w4", accepted(1, 1, "seq 3"));
            log.force();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1", "w3", "w4");
        }
    }

    /** A stale sound frame of this file at a lower sequence after a torn frame: not evidence of damage. */
    @Test
    void aStaleFrameOfThisFileAtALowerSequenceIsNotEvidence() throws IOException {
        forcedW1();
        append(new byte[BLOCK]); // the torn frame 2: zeros
        append(frame(1, "w1", "stale copy"));
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
            assertThat(log.restore().get("w1").accepted().value()).isEqualTo("forced");
        }
    }

    /** A sound frame of this file at a later sequence after a bad one: damage. */
    @Test
    void aLaterFrameOfThisFileAfterABadOneIsDamage() throws IOException {
        forcedW1();
        append(new byte[BLOCK]);
        append(frame(3, "w3", "later"));
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);
    }

    /**
     * A log is put in place only whole and forced (a rename), so its header is never torn: a damaged
     * header, or a file of zeros or of nothing, is not this log's, and says so rather than starting empty.
     */
    @Test
    void aBadHeaderIsUnreadableWhateverFollowsIt() throws IOException {
        forcedW1();
        byte[] bytes = Files.readAllBytes(file());
        bytes[20] ^= 1;
        Files.write(file(), bytes);
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);

        Files.write(file(), new byte[BLOCK]);
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);
        Files.write(file(), new byte[0]);
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class).hasMessageContaining("empty");
    }

    /** A head whose length is below a stamp's, with a sound length checksum, then a real later frame: damage. */
    @Test
    void aShortFrameHeadIsSkippedABlock() throws IOException {
        forcedW1();
        byte[] shortHead = new byte[BLOCK];
        ByteBuffer.wrap(shortHead).putInt(8).putInt(LogRecords.lengthChecksum(8));
        append(shortHead);
        byte[] withoutLater = Files.readAllBytes(file());
        append(frame(2, "w2", "forced later"));
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);
        Files.write(file(), withoutLater);
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** After a compaction: a torn append is cut; an old file's frame after it is not evidence; the sealed batch's head lost is damage. */
    @Test
    void afterACompaction() throws IOException {
        byte[] old;
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            for (int i = 1; i <= 3; i++) {
                log.write("w" + i, accepted(1, 1, "v" + i));
                log.force();
            }
            old = Files.readAllBytes(file());
            log.rewrite();
        }
        byte[] sealed = Files.readAllBytes(file());
        append(new byte[BLOCK]);
        append(Arrays.copyOfRange(old, 2 * BLOCK, old.length)); // the old file's frames 2, 3 (seq 2, 3)
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1", "w2", "w3");
        }
        Arrays.fill(sealed, BLOCK, BLOCK + 12, (byte) 0);
        Files.write(file(), sealed);
        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);
    }
}
