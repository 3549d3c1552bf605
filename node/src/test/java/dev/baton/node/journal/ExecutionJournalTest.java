package dev.baton.node.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.Outcome;
import dev.baton.worker.RunKind;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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

    /** What the audit reads back: an end line alone (the node died before recording) is not a recorded end. */
    @Test
    void anEndIsRecordedOnlyOnceTheNodeWentOnPastRecordingTheOutcome() throws Exception {
        Path file = dir.resolve("n1.jsonl");
        Instant t = Instant.parse("2026-12-01T22:42:12Z");
        try (ExecutionJournal journal = new ExecutionJournal(file)) {
            for (String id : List.of("recorded", "died")) {
                journal.started(new ExecutionStart("w", id, t, 7, "n1", t.plusMillis(3), RunKind.SCHEDULED));
                ExecutionResult result = new ExecutionResult("w", id, t, 7, "n1", t.plusMillis(3), t.plusMillis(90),
                        Outcome.SUCCEEDED, Optional.empty(), RunKind.SCHEDULED);
                journal.ending(result);
                if (id.equals("recorded")) {
                    journal.finished(result);
                }
            }
        }

        assertThat(JournalReader.read(List.of(file)))
                .extracting(JournalExecution::executionId, JournalExecution::end, JournalExecution::recorded)
                .containsExactlyInAnyOrder(tuple("recorded", Optional.of(t.plusMillis(90)), true),
                        tuple("died", Optional.of(t.plusMillis(90)), false));
    }

    @Test
    void aWritableJournalIsCreatedWithItsDirectories() throws Exception {
        Path file = dir.resolve("a/b/n1.jsonl");
        new ExecutionJournal(file).close();

        assertThat(file).exists();
    }

    /** An error message is the user's text: quotes, backslashes, line breaks and any language stay one JSON line. */
    @Test
    void anyErrorMessageStaysOneLineThatReadsBackAsWritten() throws Exception {
        Path file = dir.resolve("n1.jsonl");
        Instant t = Instant.parse("2026-12-01T22:42:12Z");
        String message = "row \"7\" failed:\n\tC:\\temp\u0001 — naïve 東京 😀";
        try (ExecutionJournal journal = new ExecutionJournal(file)) {
            ExecutionResult result = new ExecutionResult("w \"x\"", "e1", t, 7, "n1", t.plusMillis(3), t.plusMillis(90),
                    Outcome.FAILED, Optional.of(new IllegalStateException(message)), RunKind.SCHEDULED);
            journal.ending(result);
            journal.finished(result);
        }

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        com.fasterxml.jackson.databind.JsonNode end = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0));
        assertThat(end.get("error").asText()).isEqualTo(message);
        assertThat(end.get("worker").asText()).isEqualTo("w \"x\"");
        assertThat(end.get("fence").asLong()).isEqualTo(7);
        assertThat(end.get("outcome").asText()).isEqualTo("FAILED");
        assertThat(end.get("at").asText()).isEqualTo(t.plusMillis(90).toString());
    }
}
