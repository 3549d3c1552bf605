package dev.baton.node.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journal that cannot be opened stops the node with a message that names the cause and the fix. */
class ExecutionJournalTest {

    @TempDir
    Path dir;

    @Test
    void permissionDeniedNamesTheUserTheOwnerAndTheFix() throws Exception {
        Path journals = Files.createDirectory(dir.resolve("journal"));
        Files.setPosixFilePermissions(journals, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = journals.resolve("n1.jsonl");
        String uid = String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));

        // What the JDK throws when the directory belongs to someone else (root is never denied, so it is built here).
        String message = ExecutionJournal.cannotOpen(file, new AccessDeniedException(file.toString()));

        assertThat(message)
                .startsWith("BATON_JOURNAL: cannot open " + file + " for appending: permission denied for uid " + uid)
                .contains(journals + " belongs to uid " + Files.getAttribute(journals, "unix:uid") + ", mode rwxr-xr-x")
                .contains("Make " + journals + " writable for that user")
                .contains("chown " + uid + " " + journals)
                .contains("unset BATON_JOURNAL to run without a journal");
    }

    @Test
    void anotherFailureSaysWhatWentWrongNotJustThePath() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path file = notADirectory.resolve("n1.jsonl");

        assertThatThrownBy(() -> new ExecutionJournal(file))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("BATON_JOURNAL: cannot open " + file + " for appending: ")
                .hasMessageContaining("point BATON_JOURNAL at a writable file or directory")
                .satisfies(e -> assertThat(e.getMessage().split(file.toString(), -1)).as("the path once, with a reason")
                        .hasSize(2));
    }

    @Test
    void aWritableJournalIsCreatedWithItsDirectories() throws Exception {
        Path file = dir.resolve("a/b/n1.jsonl");
        new ExecutionJournal(file).close();

        assertThat(file).exists();
    }
}
