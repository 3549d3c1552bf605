package dev.baton.node.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A worker's history after appends in order, late, tied and past the limit: always the newest, in start order. */
class HistoryLogTest {

    @Test
    void appendsKeepTheNewestInStartOrderWhateverOrderTheyArriveIn() {
        Random random = new Random(42);
        for (int run = 0; run < 2_000; run++) {
            HistoryLog log = new HistoryLog();
            List<HistoryEntry> expected = new ArrayList<>();
            long clock = 0;
            for (int flush = 0; flush < 6; flush++) {
                // The limit changes now and then (a restart with another BATON_HISTORY_SIZE).
                int limit = 1 + random.nextInt(8);
                List<HistoryEntry> added = new ArrayList<>();
                for (int i = random.nextInt(12); i > 0; i--) {
                    // Mostly later than everything before; now and then a late report, or a tie on start and token.
                    clock += random.nextInt(4) == 0 ? -random.nextInt(5) : random.nextInt(3);
                    added.add(entry(clock, clock / 2));
                }
                expected = newest(expected, added, limit);
                log = log.with(added, limit);
                assertThat(log.entries).as("run %d, flush %d, limit %d", run, flush, limit)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void theOldestGoOnceTheLimitIsReachedAndAFlushLargerThanTheLimitKeepsItsNewest() {
        HistoryLog log = new HistoryLog().with(List.of(entry(1, 1), entry(2, 2), entry(3, 3)), 3);
        log = log.with(List.of(entry(4, 4)), 3);
        assertThat(fences(log.entries)).containsExactly(2L, 3L, 4L);
        log = log.with(List.of(entry(5, 5), entry(6, 6), entry(7, 7), entry(8, 8)), 3);
        assertThat(fences(log.entries)).containsExactly(6L, 7L, 8L);
    }

    /** All of them in start order, ties in the order they came, then the newest {@code limit}. */
    private static List<HistoryEntry> newest(List<HistoryEntry> kept, List<HistoryEntry> added, int limit) {
        List<HistoryEntry> sorted = new ArrayList<>(kept);
        sorted.addAll(added);
        sorted.sort(Comparator.comparingLong((HistoryEntry e) -> e.startedAt).thenComparingLong(e -> e.fence));
        return List.copyOf(sorted.subList(Math.max(0, sorted.size() - limit), sorted.size()));
    }

    private static List<Long> fences(List<HistoryEntry> entries) {
        return entries.stream().map(e -> e.fence).toList();
    }

    private static HistoryEntry entry(long startedAt, long fence) {
        HistoryEntry e = new HistoryEntry();
        e.startedAt = startedAt;
        e.fence = fence;
        return e;
    }
}
