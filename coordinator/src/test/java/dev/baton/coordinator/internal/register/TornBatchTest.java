package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss during the force of a batch (one force, one group commit): the file's size may cover
 * the whole batch while only some of its sectors reached the disk, the rest zeros or stale bytes. The
 * batch was never forced, so never answered: the log resumes with what was forced before it, and is
 * not unreadable (which would make the member a new voter after an ordinary power loss).
 */
class TornBatchTest {

    @TempDir
    Path dir;

    private final LogRecords<String> records = new LogRecords<>(TEXT);

    private Path file() {
        return dir.resolve("registers-n1.log");
    }

    /** A log with w1 forced (answered), and the two halves of an unforced batch {w2, w3} to go after it. */
    private byte[][] forcedThenBatch() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "forced"));
            log.force();
        }
        Map<String, RegisterState<String>> batch = new LinkedHashMap<>();
        batch.put("w2", accepted(1, 1, "x".repeat(600)));
        batch.put("w3", accepted(1, 1, "y".repeat(600)));
        byte[] frame = records.batch(LogFixtures.stamp(file(), 2), batch, new HashMap<>());
        int half = frame.length / 2;
        return new byte[][] {Arrays.copyOf(frame, half), Arrays.copyOfRange(frame, half, frame.length)};
    }

    private void append(byte[] bytes) throws IOException {
        Files.write(file(), bytes, StandardOpenOption.APPEND);
    }

    private void assertResumesWithW1() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** The batch's first page on disk (its head and part of its body), the rest zeros. */
    @Test
    void firstFrameOfATornBatchPartialWithZerosAfterIsATornTail() throws IOException {
        byte[][] batch = forcedThenBatch();
        byte[] torn = new byte[batch[0].length + batch[1].length];
        System.arraycopy(batch[0], 0, torn, 0, 100);
        append(torn);
        assertResumesWithW1();
    }

    /** The sector boundary falls inside the batch's 12-byte head: its length reached the disk, its CRCs did not. */
    @Test
    void aFrameHeadTornAcrossASectorBoundaryIsATornTail() throws IOException {
        byte[][] batch = forcedThenBatch();
        byte[] torn = new byte[batch[0].length];
        System.arraycopy(batch[0], 0, torn, 0, 4);
        append(torn);
        assertResumesWithW1();
    }

    /** The batch's first pages never reached the disk (zeros), its last did: it was still never forced. */
    @Test
    void aZeroRegionInsideTheLastBatchIsATornTail() throws IOException {
        byte[][] batch = forcedThenBatch();
        append(new byte[batch[0].length]);
        append(batch[1]);
        assertResumesWithW1();
    }

    /**
     * A value may hold bytes that read as a frame (values come from workers' records). A torn batch
     * whose head is sound ends where its head says: what looks like a frame inside it is not one.
     */
    @Test
    void aFrameInsideATornBatchsValueIsNotTakenForALaterFrame() throws IOException {
        forcedThenBatch();
        LogRecords<String> raw = new LogRecords<>(LogFixtures.text(StandardCharsets.ISO_8859_1));
        LogRecords.Stamp next = LogFixtures.stamp(file(), 2);
        String lookalike = new String(raw.batch(next, Map.of("w9", accepted(1, 1, "inner")), new HashMap<>()),
                StandardCharsets.ISO_8859_1);
        byte[] batch = raw.batch(next, Map.of("w2", accepted(1, 1, lookalike)), new HashMap<>());
        batch[LogFixtures.lastBodyByte(batch)] ^= 1;
        append(batch);
        append(new byte[512]);

        assertResumesWithW1();
    }

    /** Stale non-zero bytes in the extended region (data=writeback, or blocks reused): a torn tail too. */
    @Test
    void aGarbageTailLongerThanAFrameHeadIsATornTail() throws IOException {
        forcedThenBatch();
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0x5a);
        append(garbage);
        assertResumesWithW1();
    }
}
