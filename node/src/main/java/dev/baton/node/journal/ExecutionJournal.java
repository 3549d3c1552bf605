package dev.baton.node.journal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
        write(new Line("start")
                .put("worker", s.worker())
                .put("slot", s.slot().toString())
                .put("fence", s.fencingToken())
                .put("node", s.nodeId())
                .put("executionId", s.executionId())
                .put("kind", s.kind().name())
                .put("at", s.startedAt().toString()));
    }

    /** The end line, written while the lease is still held: no later run anywhere can start before it. */
    @Override
    public void ending(ExecutionResult r) {
        Line line = new Line("end")
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
        write(new Line("recorded")
                .put("worker", r.worker())
                .put("executionId", r.executionId()));
    }

    private void write(Line line) {
        byte[] bytes = line.bytes();
        writing.lock();
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the execution journal failed", e);
        } finally {
            writing.unlock();
        }
    }

    /**
     * One JSON object on one line, fields in the order put. Every execution writes three of these, so
     * they are built as text: an object tree serialized by an ObjectMapper cost a tenth of a loaded
     * node's CPU. Jackson still escapes the strings.
     */
    static final class Line {
        private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();
        private final StringBuilder text = new StringBuilder(256);

        Line(String event) {
            text.append('{');
            put("event", event);
        }

        Line put(String name, String value) {
            if (value == null) {
                field(name).append("null");
                return this;
            }
            field(name).append('"');
            ESCAPE.quoteAsString(value, text);
            text.append('"');
            return this;
        }

        Line put(String name, long value) {
            field(name).append(value);
            return this;
        }

        private StringBuilder field(String name) {
            if (text.length() > 1) {
                text.append(',');
            }
            return text.append('"').append(name).append("\":");
        }

        byte[] bytes() {
            return text.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
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
