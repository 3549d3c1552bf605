package dev.baton.coordinator.internal.hz;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A voter's state in one small file per node id, written to a temporary file, forced to disk and
 * renamed over the old one, so that a crash leaves either the old state or the new. The process
 * holds a lock on the node's lock file while it runs: two processes never share one state.
 */
final class FileVoterStore implements VoterStore {

    private static final Logger log = LoggerFactory.getLogger(FileVoterStore.class);
    private static final String FORMAT = "1";

    private final Path file;
    private final Path temp;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Whether the voter file says its voter keeps a register log; written with every save. */
    private volatile boolean registers;
    /** What was last loaded or saved, to write the file again when only {@link #registers} changes. */
    private volatile Saved last;

    private FileVoterStore(Path file, FileChannel lockChannel, FileLock lock) {
        this.file = file;
        this.temp = file.resolveSibling(file.getFileName() + ".tmp");
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens the state of {@code nodeId} in {@code directory}, creating the directory if needed.
     *
     * @throws IllegalStateException if the directory cannot be used or another process holds this node's state
     */
    static FileVoterStore open(Path directory, String nodeId) {
        String name = "voter-" + nodeId.replaceAll("[^A-Za-z0-9._-]", "_");
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(directory.resolve(name + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("another process (or coordination) runs as node " + nodeId + " with the"
                        + " state directory " + directory + ": give each node its own node id or its own directory");
            }
            return new FileVoterStore(directory.resolve(name + ".properties"), channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalStateException("cannot use " + directory + " to keep this node's voter state (" + e
                    + "): make it a writable directory of this node, or leave the state directory unset", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    @Override
    public Optional<Saved> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
            if (!FORMAT.equals(p.getProperty("format"))) {
                throw new IllegalArgumentException("unknown format " + p.getProperty("format"));
            }
            Saved saved = new Saved(required(p, "incarnation"), voters(p, "voters"), ballot(p, "promised"),
                    p.containsKey("accepted.ballot") ? ballot(p, "accepted.ballot") : null,
                    p.containsKey("accepted.voters.version") ? voters(p, "accepted.voters") : null,
                    Long.parseLong(p.getProperty("fence.ceiling", "0")), left(p));
            registers = Boolean.parseBoolean(p.getProperty("registers.kept", "false"));
            last = saved;
            return Optional.of(saved);
        } catch (IOException | RuntimeException e) {
            // Unreadable state is no state: this process becomes a new voter, which is always safe.
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
            log.warn("The voter state in {} cannot be read ({}); starting as a new voter and keeping the file as {}",
                    file, e.toString(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                throw new UncheckedIOException("cannot move the unreadable voter state " + file + " aside", moveFailed);
            }
            return Optional.empty();
        }
    }

    @Override
    public synchronized void save(Saved saved) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("incarnation", saved.incarnation());
        put(p, "voters", saved.current());
        p.setProperty("promised", saved.promised().round() + " " + saved.promised().proposer());
        if (saved.acceptedBallot() != null) {
            p.setProperty("accepted.ballot", saved.acceptedBallot().round() + " " + saved.acceptedBallot().proposer());
            put(p, "accepted.voters", saved.acceptedValue());
        }
        p.setProperty("fence.ceiling", Long.toString(saved.fenceCeiling()));
        if (registers) {
            p.setProperty("registers.kept", "true");
        }
        for (int i = 0; i < saved.left().size(); i++) {
            VoterStore.Left l = saved.left().get(i);
            String key = "left." + i;
            p.setProperty(key + ".lineage", l.lineage());
            p.setProperty(key + ".version", Long.toString(l.version()));
            p.setProperty(key + ".promised", l.promised().round() + " " + l.promised().proposer());
            if (l.acceptedBallot() != null) {
                p.setProperty(key + ".accepted.ballot", l.acceptedBallot().round() + " " + l.acceptedBallot().proposer());
                put(p, key + ".accepted.voters", l.acceptedValue());
            }
        }
        StringWriter text = new StringWriter();
        p.store(text, "Baton voter state: what this node promised and accepted. Do not edit; delete only with the"
                + " node stopped, and it comes back as a new voter.");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory();
        last = saved;
    }

    @Override
    public boolean keepsRegisters() {
        return registers;
    }

    @Override
    public synchronized void keepsRegisters(boolean keeps) throws IOException {
        if (registers == keeps) {
            return;
        }
        Saved saved = last;
        if (saved == null) {
            throw new IllegalStateException("no voter state in " + file + " to mark");
        }
        boolean before = registers;
        registers = keeps;
        try {
            save(saved);
        } catch (IOException | RuntimeException e) {
            registers = before;
            throw e;
        }
    }

    /** Makes the rename itself durable (Linux lets a directory be forced through a read channel). */
    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            log.debug("Forcing the directory {} is not supported here", file.getParent(), e);
        }
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            log.debug("Releasing the lock of {} failed", file, e);
        }
        closeQuietly(lockChannel);
    }

    @Override
    public String toString() {
        return file.toString();
    }

    private static void put(Properties p, String key, Voters v) {
        p.setProperty(key + ".lineage", v.lineage());
        p.setProperty(key + ".version", Long.toString(v.version()));
        p.setProperty(key + ".ids", String.join(",", v.ids()));
        p.setProperty(key + ".resets", Long.toString(v.resets()));
        p.setProperty(key + ".peak", Integer.toString(v.peak()));
        p.setProperty(key + ".change", v.change());
    }

    private static List<VoterStore.Left> left(Properties p) {
        List<VoterStore.Left> left = new ArrayList<>();
        for (int i = 0; p.containsKey("left." + i + ".lineage"); i++) {
            String key = "left." + i;
            left.add(new VoterStore.Left(p.getProperty(key + ".lineage"), Long.parseLong(required(p, key + ".version")),
                    ballot(p, key + ".promised"),
                    p.containsKey(key + ".accepted.ballot") ? ballot(p, key + ".accepted.ballot") : null,
                    p.containsKey(key + ".accepted.voters.version") ? voters(p, key + ".accepted.voters") : null));
        }
        return left;
    }

    private static Voters voters(Properties p, String key) {
        String ids = p.getProperty(key + ".ids", "");
        List<String> list = ids.isEmpty() ? List.of() : Arrays.asList(ids.split(","));
        return new Voters(p.getProperty(key + ".lineage", ""), Long.parseLong(required(p, key + ".version")), list,
                Long.parseLong(p.getProperty(key + ".resets", "0")), Integer.parseInt(p.getProperty(key + ".peak", "0")),
                p.getProperty(key + ".change", ""));
    }

    private static Ballot ballot(Properties p, String key) {
        String[] parts = required(p, key).split(" ", 2);
        return new Ballot(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : "");
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return value;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("Closing a lock channel failed", e);
            }
        }
    }
}
