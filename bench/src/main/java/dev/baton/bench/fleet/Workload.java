package dev.baton.bench.fleet;

import java.time.Duration;

/**
 * What a fleet runs: {@code workers} drill workers at a fixed rate of {@code period}, each
 * execution doing {@code work} (a duration or a range, as BATON_DRILL_WORK takes it).
 */
public record Workload(int nodes, int workers, Duration period, String work, String clusterName) {

    /** The work of one execution in milliseconds, for the peers' nodes, which take a fixed duration only. */
    public long workMillis() {
        if (!work.matches("\\d+ms")) {
            throw new IllegalArgumentException("work '" + work + "': the peers' nodes take a fixed duration in"
                    + " milliseconds, such as 100ms");
        }
        return Long.parseLong(work.substring(0, work.length() - 2));
    }
}
