package dev.baton.coordinator.internal.register;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A register log in one append-only file of the state directory: each register change a frame with a
 * checksum, one forced write per {@link #force()} for every change since the last (a group commit).
 *
 * <p>An incomplete or torn last frame was never forced, so never answered, and is cut off; a bad frame
 * before the last, a bad frame in the part a rewrite forced before putting the file in place, or a
 * log of another incarnation, is {@link UnreadableRegisterLogException}. Frames start on block
 * boundaries and carry the file's id and their sequence number (see {@link LogRecords}); the file is
 * read a frame at a time, never whole. After a
 * failed force the log is poisoned (Linux may drop the pages it failed to write and then report them
 * clean, so a retried force proves nothing): it refuses writes until {@link #rewrite()} has put the
 * whole state in a new file. {@link #compactIfDue()} rewrites it the same way once it has grown to
 * four times its live state; its owner calls it off the path of claims.
 *
 * <p>A write never waits for a force (an acceptor writes while it applies an operation, and nothing
 * that waits on the disk may hold up the lock's work): writes go to a pending buffer, and a force
 * takes the buffer as it stands. Every write counts one generation; {@link #force()} returns once
 * every write made before it was called is durable, whoever forced it, so an operation that wrote
 * nothing is answered only after the state it reports is on disk.
 */
public final class FileRegisterLog<V> implements RegisterLog<V>, AutoCloseable {

    /** How a channel is forced; a test makes it fail. */
    interface Forcing {
        /** Forces {@code channel}, open on {@code path}. */
        void force(FileChannel channel, Path path) throws IOException;

        /** Makes a rename or a creation in {@code directory}, open on {@code path}, durable. */
        default void forceDirectory(FileChannel directory, Path path) throws IOException {
            directory.force(true);
        }
    }

    /**
     * Linux, macOS and the BSDs make a rename durable by forcing its directory (opened for reading);
     * Windows cannot open a directory as a channel, and NTFS journals renames itself. Decided by the
     * platform, not by an attempt that may fail for a passing reason and then skip every later force.
     */
    private static final boolean DIRECTORIES_FORCED = !System.getProperty("os.name", "").startsWith("Windows");

    private static final Logger log = LoggerFactory.getLogger(FileRegisterLog.class);
    /** Every force takes at least a block, so a busy log grows a few MB a minute before it is compacted. */
    private static final long COMPACT_FROM = 4L << 20;
    private static final int SCAN_CHUNK = 256 * LogRecords.BLOCK;

    private final Path file;
    private final String incarnation;
    private final LogRecords<V> records;
    private final Forcing forcing;
    private final Object writes = new Object();
    // Under writes:
    private Map<String, RegisterState<V>> pending = new LinkedHashMap<>();
    private long written;
    // Under this:
    private final Map<String, RegisterState<V>> durable = new HashMap<>();
    private final Map<String, Integer> frameSizes = new HashMap<>();
    /** Writes taken from {@code pending} and not yet durable. */
    private Map<String, RegisterState<V>> taken = new LinkedHashMap<>();
    private long forced;
    private FileChannel channel;
    private long fileId;
    /** The sequence number of the file's last frame (the header's is 0). */
    private long sequence;
    private long size;
    private long liveBytes;
    private volatile IOException poisoned;
    private boolean closed;

    private FileRegisterLog(Path file, String incarnation, ValueCodec<V> codec, Forcing forcing) {
        this.file = file;
        this.incarnation = incarnation;
        this.records = new LogRecords<>(codec);
        this.forcing = forcing;
    }

    /**
     * Opens the log of the voter state of {@code incarnation} at {@code file}, creating it if absent.
     *
     * @throws UnreadableRegisterLogException if the log cannot be trusted: move it aside and start as a new voter
     */
    public static <V> FileRegisterLog<V> open(Path file, String incarnation, ValueCodec<V> codec) throws IOException {
        return open(file, incarnation, codec, (channel, path) -> channel.force(false));
    }

    static <V> FileRegisterLog<V> open(Path file, String incarnation, ValueCodec<V> codec, Forcing forcing)
            throws IOException {
        FileRegisterLog<V> opened = new FileRegisterLog<>(Objects.requireNonNull(file, "file"),
                Objects.requireNonNull(incarnation, "incarnation"), Objects.requireNonNull(codec, "codec"), forcing);
        opened.load();
        return opened;
    }

    @Override
    public void write(String worker, RegisterState<V> state) {
        // Never refused, also while the log is poisoned: the acceptor has already changed its memory, and
        // the rewrite that ends the poison must take the change (else a resend, which writes nothing,
        // would be answered for a state on no disk).
        synchronized (writes) {
            pending.put(worker, state);
            written++;
        }
    }

    @Override
    public void force() {
        long target;
        synchronized (writes) {
            target = written;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the register log " + file + " is closed");
            }
            if (poisoned != null) {
                // Linux may have dropped the pages of the failed force: only a new file proves anything.
                try {
                    rewrite();
                } catch (IOException e) {
                    throw new UncheckedIOException("the register log " + file + " failed to force (" + poisoned
                            + ") and cannot be written anew yet", e);
                }
            }
            if (forced >= target) {
                return;
            }
            long generation = takePending();
            Map<String, RegisterState<V>> batch = taken;
            Map<String, Integer> sizes = new HashMap<>();
            try {
                long appended = append(records.batch(new LogRecords.Stamp(fileId, sequence + 1), batch, sizes));
                forcing.force(channel, file);
                size += appended;
                sequence++;
            } catch (IOException | RuntimeException e) {
                poisoned = e instanceof IOException io ? io : new IOException("writing a record failed", e);
                log.warn("Forcing the register log {} failed ({}); its acceptor answers nothing until the log is"
                        + " written anew", file, e.toString());
                throw new UncheckedIOException("forcing the register log " + file + " failed", poisoned);
            }
            sizes.forEach(this::live);
            durable.putAll(batch);
            taken = new LinkedHashMap<>();
            forced = generation;
        }
    }

    /**
     * Moves the pending writes to {@code taken}, where they stay until they are durable (a failed force
     * or rewrite keeps them for the next), and returns the generation they reach.
     */
    private long takePending() {
        synchronized (writes) {
            taken.putAll(pending);
            pending = new LinkedHashMap<>();
            return written;
        }
    }

    /** Rewrites the file with each register's last state once it has grown to four times that. */
    @Override
    public synchronized void compactIfDue() {
        if (closed || poisoned != null || size <= COMPACT_FROM || size <= 4 * liveBytes) {
            return;
        }
        try {
            rewrite();
        } catch (IOException e) {
            // Before the rename the old file is intact and goes on; after it the log is poisoned, and the
            // next force writes it anew.
            log.warn("Compacting the register log {} failed ({}); {}", file, e.toString(),
                    poisoned == null ? "it goes on as it is" : "the next force writes it anew");
        }
    }

    @Override
    public synchronized Map<String, RegisterState<V>> restore() {
        return Map.copyOf(durable);
    }

    /**
     * Writes every register's latest state, forced or not, to a new file that replaces this one: after
     * a failed force (which ends the poison) and to compact. Nothing written since the last force was
     * answered, so keeping it costs nothing, and the acceptor's memory already holds it.
     */
    public synchronized void rewrite() throws IOException {
        if (closed) {
            throw new IllegalStateException("the register log " + file + " is closed");
        }
        long generation = takePending();
        Map<String, RegisterState<V>> latest = new HashMap<>(durable);
        latest.putAll(taken);
        Path temp = file.resolveSibling(file.getFileName() + ".new");
        long newId = ThreadLocalRandom.current().nextLong();
        Map<String, Integer> sizes = new HashMap<>();
        byte[] batch = latest.isEmpty() ? new byte[0] : records.batch(new LogRecords.Stamp(newId, 1), latest, sizes);
        // The whole file is forced before the rename: a bad frame anywhere in it is damage, not a torn tail.
        // (The header's length does not depend on the end it names.)
        long bytes = LogRecords.header(newId, incarnation, 0).length + batch.length;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(out, LogRecords.header(newId, incarnation, bytes));
            writeAll(out, batch);
            forcing.force(out, temp);
        }
        // Until the rename has happened the old file is intact, and its channel stays this log's.
        // Atomic or not at all: a move that deletes and then renames can leave no log after a crash.
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileChannel fresh;
        try {
            // Until the directory is forced a crash may bring the old file back: nothing is answered
            // from the new one before.
            forceDirectory();
            fresh = FileChannel.open(file, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // The old channel writes to a file no longer in place: nothing may be appended until a rewrite.
            poisoned = e;
            closeChannel();
            throw e;
        }
        closeChannel();
        channel = fresh;
        frameSizes.clear();
        frameSizes.putAll(sizes);
        liveBytes = sizes.values().stream().mapToLong(Integer::longValue).sum();
        size = bytes;
        fileId = newId;
        sequence = latest.isEmpty() ? 0 : 1;
        durable.clear();
        durable.putAll(latest);
        taken = new LinkedHashMap<>();
        forced = generation;
        poisoned = null;
    }

    /** The file's length, for tests and metrics. */
    public synchronized long size() {
        return size;
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeChannel();
    }

    @Override
    public String toString() {
        return file.toString();
    }

    /**
     * Reads the log, then writes it anew: what it read may be pages of the cache that no force ever
     * made durable (a process killed between a write and its force, or a force that failed, whose pages
     * Linux then marks clean), and an answer built on them would not survive a power loss. Only a file
     * this process forced whole, then renamed into place, backs what it restores.
     */
    private void load() throws IOException {
        createDirectories(file.toAbsolutePath().getParent());
        if (Files.exists(file)) {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long end = channel.size();
                long good = read(end);
                if (good < end) {
                    log.info("Cutting an incomplete last record ({} bytes) off the register log {}", end - good, file);
                }
            } finally {
                closeChannel();
            }
        }
        rewrite();
    }

    /** Reads the frames of a file {@code end} bytes long into {@code durable}; returns where the sound ones end. */
    private long read(long end) throws IOException {
        long position = 0;
        long sealedEnd = 0;
        boolean header = true;
        while (position < end) {
            Frame frame = frameAt(position, end);
            if (header && (frame == null || frame.stamp().sequence() != 0)) {
                // A log file is only ever put in place whole and forced, by a rename: its header is never torn.
                throw new UnreadableRegisterLogException("the register log " + file + " does not begin with a sound"
                        + " header of this format");
            }
            if (!header && (frame == null || !frame.continues(fileId, sequence + 1))) {
                long after = frame == null ? skip(position, end) : frame.end();
                if (position < sealedEnd || laterFrame(after, end, fileId, sequence + 1)) {
                    throw damaged(position);
                }
                // A torn last frame (or blocks of another file after it): never forced, so never answered.
                return position;
            }
            if (header) {
                LogRecords.Header named = parsed(() -> LogRecords.readHeader(frame.body()));
                if (!incarnation.equals(named.incarnation())) {
                    throw new UnreadableRegisterLogException("the register log " + file + " belongs to voter state "
                            + named.incarnation() + ", not " + incarnation);
                }
                fileId = frame.stamp().fileId();
                sealedEnd = named.sealedEnd();
                header = false;
            } else {
                for (LogRecords.Entry<V> entry : parsed(() -> records.readBatch(frame.body()))) {
                    durable.put(entry.worker(), entry.state());
                    live(entry.worker(), entry.size());
                }
                sequence = frame.stamp().sequence();
            }
            position = frame.end();
        }
        if (header) {
            throw new UnreadableRegisterLogException("the register log " + file + " is empty: it was never put in place"
                    + " by this log, which writes a file whole before it renames it there");
        }
        if (position < sealedEnd) {
            throw new UnreadableRegisterLogException("the register log " + file + " ends at byte " + position
                    + ", before the " + sealedEnd + " bytes forced when it was written");
        }
        return position;
    }

    /** A sound frame: its checksums hold. */
    private record Frame(byte[] body, LogRecords.Stamp stamp, long end) {

        /** Whether it is the frame a reader expects next: this file's, at {@code sequence}. */
        boolean continues(long fileId, long sequence) {
            return stamp.fileId() == fileId && stamp.sequence() == sequence;
        }
    }

    /**
     * The sound frame at {@code position}, or null: fewer bytes than a frame's head, a length whose
     * checksum fails or that runs past the end, a body whose checksum fails. A frame read this way
     * may still be another file's: {@link Frame#continues} tells.
     */
    private Frame frameAt(long position, long end) throws IOException {
        if (end - position < LogRecords.FRAME_OVERHEAD) {
            return null;
        }
        ByteBuffer head = readAt(position, LogRecords.FRAME_OVERHEAD);
        int bodyLength = head.getInt();
        if (LogRecords.lengthChecksum(bodyLength) != head.getInt() || bodyLength < 16
                || bodyLength > end - position - LogRecords.FRAME_OVERHEAD) {
            return null;
        }
        int checksum = head.getInt();
        byte[] body = readAt(position + LogRecords.FRAME_OVERHEAD, bodyLength).array();
        if (LogRecords.checksum(body) != checksum) {
            return null;
        }
        long frameEnd = position + LogRecords.FRAME_OVERHEAD + bodyLength;
        return new Frame(body, LogRecords.readStamp(body), blockEnd(frameEnd));
    }

    /**
     * Where the bad frame at {@code position} ends: where its head says, if the head is sound (a value
     * inside it that looks like a frame is not one), else at the next block.
     */
    private long skip(long position, long end) throws IOException {
        if (end - position >= LogRecords.FRAME_OVERHEAD) {
            ByteBuffer head = readAt(position, LogRecords.FRAME_OVERHEAD);
            int bodyLength = head.getInt();
            if (LogRecords.lengthChecksum(bodyLength) == head.getInt() && bodyLength > 0) {
                return blockEnd(position + LogRecords.FRAME_OVERHEAD + bodyLength);
            }
        }
        return position + LogRecords.BLOCK;
    }

    private static long blockEnd(long position) {
        return (position + LogRecords.BLOCK - 1) / LogRecords.BLOCK * LogRecords.BLOCK;
    }

    /**
     * Whether a frame this file forced after the bad one at hand starts at or after {@code from}: one of
     * {@code fileId} at {@code sequence} or later. If so the bad
     * frame was forced and answered, and is damage; if not it is a torn tail. A bad frame whose head is
     * sound is skipped whole (see {@link #skip}).
     */
    private boolean laterFrame(long from, long end, long fileId, long sequence) throws IOException {
        // Read in chunks and look at each block's head there: a tail of a few GB (a file extended and never
        // written) is scanned in about a second, not one read per block.
        ByteBuffer blocks = ByteBuffer.allocateDirect(SCAN_CHUNK);
        for (long chunk = from; chunk + LogRecords.FRAME_OVERHEAD <= end; chunk += SCAN_CHUNK) {
            blocks.clear().limit((int) Math.min(SCAN_CHUNK, end - chunk));
            readFully(blocks, chunk);
            blocks.flip();
            for (int offset = 0; offset + LogRecords.FRAME_OVERHEAD <= blocks.limit(); offset += LogRecords.BLOCK) {
                int bodyLength = blocks.getInt(offset);
                if (bodyLength == 0 || LogRecords.lengthChecksum(bodyLength) != blocks.getInt(offset + 4)) {
                    continue;
                }
                Frame frame = frameAt(chunk + offset, end);
                if (frame != null && frame.stamp().fileId() == fileId && frame.stamp().sequence() >= sequence) {
                    return true;
                }
            }
        }
        return false;
    }

    private ByteBuffer readAt(long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(buffer, position);
        return buffer.flip();
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long start = position - buffer.position();
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, start + buffer.position()) < 0) {
                throw new IOException("the register log " + file + " ended while it was read");
            }
        }
    }

    private UnreadableRegisterLogException damaged(long start) {
        return new UnreadableRegisterLogException("the register log " + file + " has a damaged record at byte " + start
                + " with more after it");
    }

    private interface Parse<T> {
        T parse() throws IOException;
    }

    /** A frame whose checksum holds but whose content does not parse was written by something else. */
    private <T> T parsed(Parse<T> parse) throws UnreadableRegisterLogException {
        try {
            return parse.parse();
        } catch (IOException | RuntimeException e) {
            throw new UnreadableRegisterLogException("the register log " + file + " holds a record it cannot read ("
                    + e + ")");
        }
    }

    private void live(String worker, int frameSize) {
        Integer before = frameSizes.put(worker, frameSize);
        liveBytes += frameSize - (before == null ? 0 : before);
    }

    private long append(byte[] frame) throws IOException {
        channel.position(size);
        return writeAll(channel, frame);
    }

    private static long writeAll(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        return bytes.length;
    }

    /** Makes a rename or the log's creation durable. */
    private void forceDirectory() throws IOException {
        forceDirectory(file.toAbsolutePath().getParent());
    }

    private void forceDirectory(Path directory) throws IOException {
        if (DIRECTORIES_FORCED) {
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                forcing.forceDirectory(dir, directory);
            }
        }
    }

    /** Creates the log's directory and its missing parents, each made durable in the one above it. */
    private void createDirectories(Path directory) throws IOException {
        Path existing = directory;
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        Files.createDirectories(directory);
        for (Path created = directory; existing != null && !created.equals(existing); created = created.getParent()) {
            forceDirectory(created.getParent());
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("Closing the register log {} failed", file, e);
            }
            channel = null;
        }
    }
}
