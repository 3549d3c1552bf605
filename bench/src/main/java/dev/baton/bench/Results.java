package dev.baton.bench;

import java.util.List;

/** Everything one benchmark run measured; kept as JSON so the report can be rebuilt from it. */
public record Results(String machine, String date, List<JmhFigures.Row> jmh, List<FleetBenchmark.Step> fleet,
                      List<FailoverBenchmark.Sample> failover) {
}
