package dev.baton.bench.fleet;

import java.time.Duration;

/**
 * What a fleet runs: {@code workers} drill workers at a fixed rate of {@code period}, each
 * execution doing {@code work} (a duration or a range, as BATON_DRILL_WORK takes it).
 */
public record Workload(int nodes, int workers, Duration period, String work, String clusterName) {
}
