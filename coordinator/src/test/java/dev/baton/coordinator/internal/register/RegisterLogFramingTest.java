package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static dev.baton.coordinator.internal.register.LogFixtures.lastNonZero;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the log's layout on disk must survive before it carries a real acceptor (the twelfth review):
 * a damaged compacted file, an append tearing the block it starts in, stale frames of another file,
 * a tail larger than memory.
 */
class RegisterLogFramingTest {

    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("registers-n1.log");
    }

    /**
     * A rewritten file holds every register in one batch, forced before it was put in place: a bit
     * flipped at its end is damage to answered state, not a torn tail to cut (which would resume the
     * acceptor having forgotten every promise and acceptance it made).
     */
    @Test
    void aDamagedCompactedFileIsUnreadableNotEmpty() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            for (int i = 1; i <= 3; i++) {
                log.write("w" + i, accepted(1, 1, "value-" + i));
                log.force();
            }
            log.rewrite();
        }
        byte[] bytes = Files.readAllBytes(file());
        bytes[lastNonZero(bytes)] ^= 1;
        Files.write(file(), bytes);

        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT).close())
                .isInstanceOf(UnreadableRegisterLogException.class);
    }

    /**
     * A device may tear the whole block an append writes into. The append must not share a block with
     * a forced batch: a torn append costs only the batch being forced, never one already answered.
     */
    @Test
    void aTornAppendLeavesTheBatchForcedBeforeItIntact() throws IOException {
        long forcedEnd;
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "forced and answered"));
            log.force();
            forcedEnd = log.size();
            log.write("w2", accepted(1, 1, "being forced"));
            log.force();
        }
        byte[] bytes = Files.readAllBytes(file());
        int tornFrom = (int) (forcedEnd / BLOCK * BLOCK);
        Arrays.fill(bytes, tornFrom, bytes.length, (byte) 0);
        Files.write(file(), bytes);

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /**
     * Blocks of a deleted log (an older file before a compaction, another member's log on the same
     * volume) can surface in the region an unforced append extended: a sound frame of another file is
     * not this log's, neither taken as state nor taken for damage.
     */
    @Test
    void aSoundFrameOfAnotherFileAfterTheForcedEndIsNotRead() throws IOException {
        Path other = dir.resolve("registers-old.log");
        long otherHeader;
        try (FileRegisterLog<String> log = FileRegisterLog.open(other, "inc-1", TEXT)) {
            otherHeader = log.size();
            log.write("stale", accepted(9, 9, "from another file"));
            log.force();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "ours"));
            log.force();
        }
        byte[] otherBytes = Files.readAllBytes(other);
        Files.write(file(), Arrays.copyOfRange(otherBytes, (int) otherHeader, otherBytes.length),
                StandardOpenOption.APPEND);

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** A tail larger than any array (a file extended and never written, sparse here) is cut, not an error. */
    @Test
    void aTailLargerThanMemoryIsReadInPieces() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
            raf.setLength(raf.length() + (2L << 30) + LogRecords.BLOCK);
        }

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
        assertThat(Files.size(file())).isLessThan(1 << 20);
    }

    /**
     * A directory that cannot be forced when the log opens (a passing EIO, a file system that refuses)
     * fails the open: deciding then that directories are never forced would leave every later
     * compaction's rename undurable, with nothing in the logs after that one line.
     */
    @Test
    void aDirectoryThatCannotBeForcedAtOpenFailsTheOpen() {
        FileRegisterLog.Forcing refusing = new FileRegisterLog.Forcing() {
            @Override
            public void force(FileChannel channel, Path path) throws IOException {
                channel.force(false);
            }

            @Override
            public void forceDirectory(FileChannel directory, Path path) throws IOException {
                throw new IOException("EIO");
            }
        };

        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT, refusing))
                .isInstanceOf(IOException.class).hasMessage("EIO");
    }

    /**
     * A state directory the log creates (a fresh volume, a new node) is itself an entry of its parent:
     * until the parent is forced, a power loss can take the directory, and the forced log in it, away.
     */
    @Test
    void theDirectoriesTheLogCreatesAreForcedInTheirParents() throws IOException {
        List<Path> forced = new ArrayList<>();
        FileRegisterLog.Forcing recording = new FileRegisterLog.Forcing() {
            @Override
            public void force(FileChannel channel, Path path) throws IOException {
                channel.force(false);
            }

            @Override
            public void forceDirectory(FileChannel directory, Path path) throws IOException {
                directory.force(true);
                forced.add(path);
            }
        };
        Path nested = dir.resolve("state").resolve("n1").resolve("registers-n1.log");

        FileRegisterLog.open(nested, "inc-1", TEXT, recording).close();

        assertThat(forced).contains(dir, dir.resolve("state"), dir.resolve("state").resolve("n1"));
    }
}
