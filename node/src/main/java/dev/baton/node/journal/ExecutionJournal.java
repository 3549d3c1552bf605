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
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends JSON lines per execution (start; end, before the outcome is recorded; recorded, after), written through to the operating system
 * line by line, so that an audit can read what ran where even after a {@code kill -9}.
 */
public final class ExecutionJournal implements ExecutionListener, AutoCloseable {

    private final ObjectMapper json = new ObjectMapper();
    private final OutputStream out;
    /**
     * Every execution of an instant writes at once: a lock that parks its waiters, where a monitor
     * would have hundreds of virtual threads spin for it.
     */
    private final ReentrantLock writing = new ReentrantLock();

    public ExecutionJournal(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(cannotOpen(file, e), e);
        }
    }

    /** Why the journal cannot be opened, in words an operator can act on. */
    static String cannotOpen(Path file, IOException e) {
        String prefix = "BATON_JOURNAL: cannot open " + file + " for appending: ";
        if (e instanceof AccessDeniedException denied) {
            Path where = Path.of(denied.getFile() == null ? file.toString() : denied.getFile()).toAbsolutePath();
            Path fix = Files.exists(where) || where.getParent() == null ? where : where.getParent();
            String who = uid().map(id -> "uid " + id + userName()).orElse("user " + System.getProperty("user.name"));
            return prefix + "permission denied for " + who + " on " + where + ownerAndMode(fix) + ". Make " + fix
                    + " writable for that user" + uid().map(id -> " (e.g. chown " + id + " " + fix + ")").orElse("")
                    + ", point BATON_JOURNAL at a place that user can write, or unset BATON_JOURNAL to run without"
                    + " a journal";
        }
        String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        return prefix + reason + "; point BATON_JOURNAL at a writable file or directory, or unset it";
    }

    private static String userName() {
        String name = System.getProperty("user.name", "?");
        return name.equals("?") ? "" : " (" + name + ")";
    }

    /** The uid this process runs as: the owner of /proc/self on Linux. */
    private static Optional<String> uid() {
        try {
            return Optional.of(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String ownerAndMode(Path path) {
        try {
            return " (" + path + " belongs to uid " + Files.getAttribute(path, "unix:uid") + ", mode "
                    + PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
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

    /** The end line, written while the lease is still held: no later run anywhere can start before it. */
    @Override
    public void ending(ExecutionResult r) {
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

    /** The node went on past recording the outcome (or failing to, which it then logs) and releasing the lease. */
    @Override
    public void finished(ExecutionResult r) {
        write(json.createObjectNode()
                .put("event", "recorded")
                .put("worker", r.worker())
                .put("executionId", r.executionId()));
    }

    private void write(ObjectNode line) {
        try {
            byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            writing.lock();
            try {
                out.write(bytes);
                out.flush();
            } finally {
                writing.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the execution journal failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        writing.lock();
        try {
            out.close();
        } finally {
            writing.unlock();
        }
    }
}
