package dev.baton.bench.fleet;

import dev.baton.node.journal.JournalExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the journals say about the slots due in a window: how many ran, how many ran twice, how
 * many never ran, and how late the first start of each was. The same arithmetic for every
 * contender.
 *
 * @param due        slots due in the window (workers x slots per worker)
 * @param ran        distinct slots that started at least once
 * @param duplicates extra starts of a slot that had already started
 * @param latenessMs the first start of each slot minus the slot, sorted
 */
public record SlotStats(long due, long ran, long duplicates, List<Long> latenessMs, Duration window) {

    public static SlotStats of(List<JournalExecution> executions, int workers, Duration period, Instant from,
                               Instant to) {
        long periodMs = period.toMillis();
        long first = Math.floorDiv(from.toEpochMilli() + periodMs - 1, periodMs);
        long last = Math.floorDiv(to.toEpochMilli() - 1, periodMs);
        long slotsPerWorker = Math.max(0, last - first + 1);
        Map<String, Instant> firstStart = new HashMap<>();
        long duplicates = 0;
        for (JournalExecution e : executions) {
            long s = e.slot().toEpochMilli();
            if (s % periodMs != 0 || s / periodMs < first || s / periodMs > last) {
                continue;
            }
            Instant previous = firstStart.putIfAbsent(e.worker() + "@" + s, e.start());
            if (previous != null) {
                duplicates++;
                if (e.start().isBefore(previous)) {
                    firstStart.put(e.worker() + "@" + s, e.start());
                }
            }
        }
        List<Long> lateness = new ArrayList<>(firstStart.size());
        firstStart.forEach((key, start) -> {
            long slot = Long.parseLong(key.substring(key.lastIndexOf('@') + 1));
            lateness.add(start.toEpochMilli() - slot);
        });
        Collections.sort(lateness);
        return new SlotStats(workers * slotsPerWorker, firstStart.size(), duplicates, lateness,
                Duration.ofMillis(slotsPerWorker * periodMs));
    }

    public long missed() {
        return due - ran;
    }

    public double sustained() {
        return due == 0 ? 1 : (double) ran / due;
    }

    public double executionsPerSecond() {
        return window.isZero() ? 0 : ran * 1000.0 / window.toMillis();
    }

    public long percentileMs(double p) {
        if (latenessMs.isEmpty()) {
            return -1;
        }
        int i = (int) Math.min(latenessMs.size() - 1, Math.ceil(p / 100.0 * latenessMs.size()) - 1);
        return latenessMs.get(Math.max(0, i));
    }
}
