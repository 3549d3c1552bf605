package dev.baton.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** What Linux's /proc says about a process: its CPU time and its parent. */
public final class Proc {

    /** Linux's USER_HZ: /proc reports CPU time in these ticks. */
    private static final double TICKS_PER_SECOND = 100.0;

    private Proc() {
    }

    /**
     * User plus system CPU seconds of {@code pid}; with {@code reapedChildren}, also those of its
     * children that have exited and been waited for. NaN if the process is gone.
     */
    static double cpuSeconds(long pid, boolean reapedChildren) {
        String[] f = fields(pid);
        if (f == null) {
            return Double.NaN;
        }
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        if (reapedChildren) {
            ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
        }
        return ticks / TICKS_PER_SECOND;
    }

    static OptionalLong parent(long pid) {
        String[] f = fields(pid);
        return f == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[1]));
    }

    /** CPU seconds the whole machine has spent busy (all cores, anything but idle and I/O wait). NaN if unknown. */
    public static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The processes whose parent is {@code pid}. */
    static long[] children(long pid) {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .mapToLong(Long::parseLong).filter(p -> parent(p).orElse(-1) == pid).toArray();
        } catch (IOException e) {
            return new long[0];
        }
    }

    /** The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent. */
    private static String[] fields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
