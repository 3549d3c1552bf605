package dev.baton.coordinator.internal.register;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A disk under a page cache, for one log file: per file (inode), the bytes as of its last force; after
 * a failed force the bytes it failed to write never reach the disk (Linux marks the pages clean); a
 * rename is durable once its directory is forced. {@link #powerLoss} puts back what the disk holds.
 */
final class PageCacheDisk implements FileRegisterLog.Forcing {

    private final Path file;
    private final Map<Object, byte[]> forced = new HashMap<>();
    /** Per file, the range [from, to) a failed force lost. */
    private final Map<Object, int[]> lost = new HashMap<>();
    /** The file the log's name durably points at. */
    private Object named;
    boolean failNext;

    PageCacheDisk(Path file) {
        this.file = file;
    }

    @Override
    public void force(FileChannel channel, Path path) throws IOException {
        Object key = key(path);
        byte[] before = forced.getOrDefault(key, new byte[0]);
        byte[] now = Files.readAllBytes(path);
        if (failNext) {
            failNext = false;
            lost.put(key, new int[] {before.length, now.length});
            throw new IOException("EIO");
        }
        channel.force(false);
        int[] gone = lost.get(key);
        for (int i = gone == null ? 0 : gone[0]; gone != null && i < Math.min(gone[1], now.length); i++) {
            now[i] = i < before.length ? before[i] : 0;
        }
        forced.put(key, now);
    }

    @Override
    public void forceDirectory(FileChannel directory, Path path) throws IOException {
        directory.force(true);
        named = key(file);
    }

    /** The power goes: the log's name holds what its file's last force made durable. */
    void powerLoss() throws IOException {
        byte[] bytes = named == null ? null : forced.get(named);
        if (bytes == null) {
            Files.deleteIfExists(file);
        } else {
            Files.write(file, Arrays.copyOf(bytes, bytes.length));
        }
    }

    private static Object key(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }
}
