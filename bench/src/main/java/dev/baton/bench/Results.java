package dev.baton.bench;

import java.util.List;
import java.util.Map;

/**
 * Everything one benchmark run measured; kept as JSON so the report can be rebuilt from it.
 *
 * @param setup how each system was set up for the run, by system (and "PostgreSQL"), for the report
 */
public record Results(String machine, String date, List<JmhFigures.Row> jmh, List<FleetBenchmark.Step> fleet,
                      List<FailoverBenchmark.Sample> failover, Map<String, String> setup) {

    public Results {
        jmh = jmh == null ? List.of() : jmh;
        fleet = fleet == null ? List.of() : fleet;
        failover = failover == null ? List.of() : failover;
        setup = setup == null ? Map.of() : setup;
    }
}
