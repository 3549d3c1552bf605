package dev.baton.coordinator.internal.register;

import static dev.baton.coordinator.internal.register.LogFixtures.TEXT;
import static dev.baton.coordinator.internal.register.LogFixtures.accepted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compaction that fails (its rename refused, say) leaves the old file in place, intact, and the log
 * goes on appending to it.
 */
class RegisterLogCompactionFailureTest {

    @TempDir
    Path dir;

    @Test
    void aCompactionWhoseRenameFailsLeavesTheLogWorking() throws IOException {
        Path file = dir.resolve("registers-n1.log");
        Path aside = dir.resolve("aside");
        AtomicBoolean obstruct = new AtomicBoolean();
        String padding = "x".repeat(1_000);
        try (FileRegisterLog<String> log = FileRegisterLog.open(file, "inc-1", TEXT, (channel, path) -> {
            channel.force(false);
            if (obstruct.getAndSet(false)) {
                // The temp file is forced; make the rename fail once (a transient EIO, EMFILE on reopen...).
                Files.move(file, aside);
                Files.createDirectories(file.resolve("busy"));
            }
        })) {
            int i = 1;
            while (log.size() <= 4 << 20) {
                log.write("w1", accepted(i, 1, padding + i));
                log.force();
                i++;
            }
            obstruct.set(true);
            log.compactIfDue(); // logged: "Compacting ... failed; it goes on as it is"
            Files.delete(file.resolve("busy"));
            Files.delete(file);
            Files.move(aside, file); // the old log back in place, intact

            log.write("w2", accepted(1, 1, "after"));
            assertThatCode(log::force).as("the log goes on as it is").doesNotThrowAnyException();
        }
        try (FileRegisterLog<String> log = FileRegisterLog.open(file, "inc-1", TEXT)) {
            assertThat(log.restore()).containsKeys("w1", "w2");
        }
    }
}
