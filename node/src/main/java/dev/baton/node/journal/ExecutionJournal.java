package dev.baton.node.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one JSON line per execution start and end, written through to the operating system
 * line by line, so that an audit can read what ran where even after a {@code kill -9}.
 */
public final class ExecutionJournal implements ExecutionListener, AutoCloseable {

    private final ObjectMapper json = new ObjectMapper();
    private final OutputStream out;

    public ExecutionJournal(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("BATON_JOURNAL: cannot open " + file + " for appending: " + e.getMessage()
                    + "; point it at a writable file", e);
        }
    }

    @Override
    public void started(ExecutionStart s) {
        ObjectNode line = json.createObjectNode()
                .put("event", "start")
                .put("worker", s.worker())
                .put("slot", s.slot().toString())
                .put("fence", s.fencingToken())
                .put("node", s.nodeId())
                .put("executionId", s.executionId())
                .put("kind", s.kind().name())
                .put("at", s.startedAt().toString());
        write(line);
    }

    @Override
    public void finished(ExecutionResult r) {
        ObjectNode line = json.createObjectNode()
                .put("event", "end")
                .put("worker", r.worker())
                .put("slot", r.slot().toString())
                .put("fence", r.fencingToken())
                .put("node", r.nodeId())
                .put("executionId", r.executionId())
                .put("kind", r.kind().name())
                .put("startedAt", r.startedAt().toString())
                .put("at", r.finishedAt().toString())
                .put("outcome", r.outcome().name());
        r.error().ifPresent(e -> line.put("error", String.valueOf(e.getMessage())));
        write(line);
    }

    private void write(ObjectNode line) {
        try {
            byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the execution journal failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (out) {
            out.close();
        }
    }
}
