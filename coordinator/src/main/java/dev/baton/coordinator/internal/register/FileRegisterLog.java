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
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A register log in one append-only file of the state directory: each register change a frame with a
 * checksum, one forced write per {@link #force()} for every change since the last (a group commit).
 *
 * <p>An incomplete or torn last frame was never forced, so never answered, and is cut off; a bad frame
 * before the last, or a log of another incarnation, is {@link UnreadableRegisterLogException}. After a
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
        void force(FileChannel channel) throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(FileRegisterLog.class);
    private static final long COMPACT_FROM = 1 << 20;

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
    private long size;
    private long liveBytes;
    private volatile IOException poisoned;
    private boolean directoryForced;
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
        return open(file, incarnation, codec, channel -> channel.force(false));
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
                long appended = append(List.of(records.batch(batch, sizes)));
                forcing.force(channel);
                size += appended;
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
        long bytes;
        Map<String, Integer> sizes = new HashMap<>();
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            bytes = writeAll(out, LogRecords.header(incarnation));
            if (!latest.isEmpty()) {
                bytes += writeAll(out, records.batch(latest, sizes));
            }
            forcing.force(out);
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

    private void load() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long good = 0;
        boolean header = true;
        while (in.remaining() > 0) {
            byte[] body = frame(in, bytes.length);
            if (body == null) {
                // A torn last frame: never forced, so never answered.
                log.info("Cutting an incomplete last record ({} bytes) off the register log {}", bytes.length - good, file);
                break;
            }
            if (header) {
                String named = parsed(() -> LogRecords.readHeader(body));
                if (!incarnation.equals(named)) {
                    throw new UnreadableRegisterLogException("the register log " + file + " belongs to voter state "
                            + named + ", not " + incarnation);
                }
                header = false;
            } else {
                for (LogRecords.Entry<V> entry : parsed(() -> records.readBatch(body))) {
                    durable.put(entry.worker(), entry.state());
                    live(entry.worker(), entry.size());
                }
            }
            good = in.position();
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.truncate(good);
            size = good;
            directoryForced = directoryForceWorks();
            if (header) {
                size = append(List.of(LogRecords.header(incarnation)));
                forcing.force(channel);
                forceDirectory();
            }
        } catch (IOException | RuntimeException e) {
            closeChannel();
            throw e;
        }
    }

    /**
     * The next frame's body, or null for a torn last frame: fewer bytes than a frame's head, only zeros
     * left (a file extended whose data never reached the disk), a sound length running past the end, or
     * a bad head or body with no sound frame anywhere after it (the last batch, partly on disk, the rest
     * zeros or stale bytes). A bad frame with a sound frame after it is unreadable: a forced, answered
     * batch is behind it, and the log must not be cut short there. (A bit flipped in the last forced
     * batch is taken for a torn tail: nothing after it can tell.)
     */
    private byte[] frame(ByteBuffer in, int length) throws UnreadableRegisterLogException {
        int start = in.position();
        if (in.remaining() < LogRecords.FRAME_OVERHEAD || onlyZeros(in)) {
            return null;
        }
        int bodyLength = in.getInt();
        int lengthChecksum = in.getInt();
        int checksum = in.getInt();
        if (LogRecords.lengthChecksum(bodyLength) != lengthChecksum || bodyLength <= 0) {
            return torn(in, start, start + 1);
        }
        if (bodyLength > in.remaining()) {
            return null;
        }
        byte[] body = new byte[bodyLength];
        in.get(body);
        if (LogRecords.checksum(body) != checksum) {
            // The head is sound, so the frame ends here: a value inside it that looks like a frame is not one.
            return in.position() == length ? null : torn(in, start, in.position());
        }
        return body;
    }

    /** Null (a torn tail) if no sound frame starts at or after {@code from}; else the frame at {@code start} is damage. */
    private byte[] torn(ByteBuffer in, int start, int from) throws UnreadableRegisterLogException {
        int limit = in.limit();
        for (int p = from; p + LogRecords.FRAME_OVERHEAD <= limit; p++) {
            int bodyLength = in.getInt(p);
            if (bodyLength <= 0 || bodyLength > limit - p - LogRecords.FRAME_OVERHEAD
                    || LogRecords.lengthChecksum(bodyLength) != in.getInt(p + 4)) {
                continue;
            }
            byte[] body = new byte[bodyLength];
            in.get(p + LogRecords.FRAME_OVERHEAD, body);
            if (LogRecords.checksum(body) == in.getInt(p + 8)) {
                throw damaged(start);
            }
        }
        return null;
    }

    private static boolean onlyZeros(ByteBuffer in) {
        for (int i = in.position(); i < in.limit(); i++) {
            if (in.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private UnreadableRegisterLogException damaged(int start) {
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

    private long append(Iterable<byte[]> frames) throws IOException {
        long written = 0;
        channel.position(size);
        for (byte[] frame : frames) {
            written += writeAll(channel, frame);
        }
        return written;
    }

    private static long writeAll(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        return bytes.length;
    }

    /**
     * Makes a rename durable (Linux lets a directory be forced through a read channel). Whether the
     * platform can is found once, when the log opens; after that a failure is a failure.
     */
    private void forceDirectory() throws IOException {
        if (directoryForced) {
            try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
    }

    private boolean directoryForceWorks() {
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
            return true;
        } catch (IOException e) {
            log.info("Forcing the directory of {} is not supported here ({}): renames of the register log rely"
                    + " on the file system alone", file, e.toString());
            return false;
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
