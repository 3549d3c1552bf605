package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registers on disk: an acceptor resumed from its log must be the acceptor that answered, or
 * know that it is not one (and start as a new voter). Real files in a temporary directory.
 */
class FileRegisterLogTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("registers-n1.log");
    }

    /** What an acceptor answered after a force is there when its process comes back; nothing else is. */
    @Test
    void aResumedAcceptorHoldsWhatItForcedAndNotWhatItDidNot() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            Acceptor<String> acceptor = new Acceptor<>(log, 3);
            assertThat(acceptor.prepare("w1", new Ballot(5, "s")).kind()).isEqualTo(Kind.PROMISED);
            assertThat(acceptor.accept("w2", new Ballot(2, "t"), 3, 7, "claim").kind()).isEqualTo(Kind.ACCEPTED);
            acceptor.force();
            acceptor.prepare("w3", new Ballot(9, "u"));
        }

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            Acceptor<String> resumed = new Acceptor<>(log, 3);

            assertThat(resumed.prepare("w1", new Ballot(4, "s")).kind()).as("the forced promise binds")
                    .isEqualTo(Kind.REFUSED_BALLOT);
            assertThat(resumed.state("w2").accepted()).isEqualTo(new Accepted<>(7, new Ballot(2, "t"), "claim"));
            assertThat(resumed.state("w3").promised()).as("never forced, never answered").isEqualTo(Ballot.ZERO);
        }
    }

    /** A power loss in the middle of an append leaves a torn last record, which was never answered. */
    @Test
    void aTornLastRecordIsCutOffAndTheLogGoesOn() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
            log.write("w2", accepted(1, 1, "second"));
            log.force();
        }
        byte[] bytes = Files.readAllBytes(file());
        Files.write(file(), Arrays.copyOf(bytes, LogFixtures.lastNonZero(bytes) - 2));

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
            log.write("w3", accepted(2, 1, "third"));
            log.force();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1", "w3");
        }
    }

    /** A last record whose bytes arrived but not all of them right (a torn page) counts as torn too. */
    @Test
    void aLastRecordWithABadChecksumIsCutOff() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
            log.write("w2", accepted(1, 1, "second"));
            log.force();
        }
        flipLastByte();

        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).containsOnlyKeys("w1");
        }
    }

    /** A damaged record with records after it means the log lost something it had answered. */
    @Test
    void aDamagedRecordBeforeTheLastMakesTheLogUnreadable() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
            log.write("w2", accepted(1, 1, "second"));
            log.force();
        }
        byte[] bytes = Files.readAllBytes(file());
        int firstValue = indexOf(bytes, "first".getBytes(StandardCharsets.UTF_8));
        bytes[firstValue] ^= 1;
        Files.write(file(), bytes);

        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-1", TEXT))
                .isInstanceOf(UnreadableRegisterLogException.class)
                .hasMessageContaining("damaged record");
    }

    /** A log left from the node's previous voter state must not pass for the new one's. */
    @Test
    void aLogOfAnotherIncarnationIsUnreadable() throws IOException {
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
        }

        assertThatThrownBy(() -> FileRegisterLog.open(file(), "inc-2", TEXT))
                .isInstanceOf(UnreadableRegisterLogException.class)
                .hasMessageContaining("inc-1");
    }

    /**
     * After a failed force the pages may be gone and later reported clean, so a force answers nothing
     * until everything is written to a new file (the next force does it, once the disk lets it); writes
     * are taken meanwhile (the acceptor's memory has them), and nothing of what the acceptor holds is lost.
     */
    @Test
    void aFailedForcePoisonsTheLogUntilItIsWrittenAnew() throws IOException {
        AtomicBoolean failing = new AtomicBoolean();
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT, (channel, path) -> {
            if (failing.get()) {
                throw new IOException("EIO");
            }
            channel.force(false);
        })) {
            log.write("w1", accepted(1, 1, "first"));
            log.force();
            failing.set(true);
            log.write("w2", accepted(1, 1, "second"));
            assertThatThrownBy(log::force).isInstanceOf(UncheckedIOException.class);

            log.write("w3", accepted(1, 1, "third"));
            assertThatThrownBy(log::force).as("the disk still fails: no new file")
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("failed to force");

            failing.set(false);
            long before = Files.size(file());
            log.force();
            assertThat(log.size()).as("the force wrote the log anew").isNotEqualTo(before);
            log.write("w4", accepted(1, 1, "fourth"));
            log.force();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).as("also what was written while the log was poisoned")
                    .containsOnlyKeys("w1", "w2", "w3", "w4");
        }
    }

    /** A long-running node writes its registers again and again; the file keeps only the last of each. */
    @Test
    void theLogIsCompactedToEachRegistersLastState() throws IOException {
        String padding = "x".repeat(1_000);
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            for (int i = 1; i <= 3_000; i++) {
                log.write("w" + (i % 10), accepted(i, 1, padding + i));
                log.force();
                log.compactIfDue();
            }
            assertThat(log.size()).as("12 MB appended (a block per force)").isLessThan(4_500_000);
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT)) {
            assertThat(log.restore()).hasSize(10);
            assertThat(log.restore().get("w0").accepted().value()).isEqualTo(padding + 3_000);
            assertThat(log.restore().get("w7").accepted().index()).isEqualTo(2_997);
        }
        assertThat(Files.size(file())).isLessThan(4_500_000);
    }

    /**
     * An acceptor writes while it applies an operation, under monitors the lock's work needs: a write
     * must not wait for a force under way on another thread, however slow the disk.
     */
    @Test
    void aWriteDoesNotWaitForAForceUnderWay() throws Exception {
        HeldForce held = new HeldForce();
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT, held)) {
            Thread forcer = held.forceHeld(log);

            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> log.write("w2", accepted(1, 1, "second")));

            write.get(10, TimeUnit.SECONDS);
            held.release.countDown();
            forcer.join(10_000);
        }
    }

    /**
     * An operation that wrote nothing (a resend answered from the register) reports state another
     * operation wrote: its force returns only once that state is durable, also when another thread
     * took the write into its own force.
     */
    @Test
    void aForceReturnsOnlyOnceEveryEarlierWriteIsDurable() throws Exception {
        HeldForce held = new HeldForce();
        try (FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT, held)) {
            Thread forcer = held.forceHeld(log);

            CompletableFuture<Void> resend = CompletableFuture.runAsync(log::force);

            Thread.sleep(50);
            assertThat(resend).as("w1 is not durable yet").isNotDone();
            held.release.countDown();
            resend.get(10, TimeUnit.SECONDS);
            assertThat(log.restore()).containsKey("w1");
            forcer.join(10_000);
        }
    }

    /** A closed log stays closed: a compaction or rewrite racing a shutdown must not bring its file back. */
    @Test
    void aClosedLogIsNeitherRewrittenNorForced() throws IOException {
        FileRegisterLog<String> log = FileRegisterLog.open(file(), "inc-1", TEXT);
        log.write("w1", accepted(1, 1, "first"));
        log.force();
        log.close();

        assertThatThrownBy(log::rewrite).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(log::force).isInstanceOf(IllegalStateException.class);
        log.compactIfDue();
    }

    /** A disk whose next force, once armed, waits until the test releases it. */
    private static final class HeldForce implements FileRegisterLog.Forcing {
        final CountDownLatch forcing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean armed = new AtomicBoolean();

        @Override
        public void force(FileChannel channel, Path path) throws IOException {
            if (armed.getAndSet(false)) {
                forcing.countDown();
                try {
                    if (!release.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("the test never released the force");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            channel.force(false);
        }

        /** Writes w1 and starts a force of it on another thread, held until released; returns that thread. */
        Thread forceHeld(FileRegisterLog<String> log) throws InterruptedException {
            armed.set(true);
            log.write("w1", accepted(1, 1, "first"));
            Thread forcer = Thread.ofPlatform().name("test-forcer").start(log::force);
            assertThat(forcing.await(10, TimeUnit.SECONDS)).isTrue();
            return forcer;
        }
    }

    private void flipLastByte() throws IOException {
        byte[] bytes = Files.readAllBytes(file());
        bytes[LogFixtures.lastNonZero(bytes)] ^= 1;
        Files.write(file(), bytes);
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
