package dev.baton.bench;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one benchmark run measured; kept as JSON so the report can be rebuilt from it.
 *
 * @param date     the day of the newest part
 * @param setup    how each system was set up for the run, by system (and "PostgreSQL"), for the report
 * @param measured the day each part was last measured ("jmh", "fleet", "failover"): a run of one part
 *                 keeps the others' figures, which are then from another day, often another machine
 */
public record Results(String machine, String date, List<JmhFigures.Row> jmh, List<FleetBenchmark.Step> fleet,
                      List<FailoverBenchmark.Sample> failover, Map<String, String> setup,
                      Map<String, String> measured) {

    static final List<String> PARTS = List.of("jmh", "fleet", "failover");

    public Results {
        jmh = jmh == null ? List.of() : jmh;
        fleet = fleet == null ? List.of() : fleet;
        failover = failover == null ? List.of() : failover;
        setup = setup == null ? Map.of() : setup;
        // Files written before parts had days of their own: every part is from the file's day.
        Map<String, String> days = new TreeMap<>(measured == null ? Map.of() : measured);
        for (String part : PARTS) {
            if (!days.containsKey(part) && has(part, jmh, fleet, failover) && date != null && !date.isEmpty()) {
                days.put(part, date);
            }
        }
        measured = Map.copyOf(days);
    }

    /** Every part measured on {@code date}. */
    public Results(String machine, String date, List<JmhFigures.Row> jmh, List<FleetBenchmark.Step> fleet,
                   List<FailoverBenchmark.Sample> failover, Map<String, String> setup) {
        this(machine, date, jmh, fleet, failover, setup, null);
    }

    /** The newest of the parts' days. */
    static String newest(Map<String, String> measured) {
        return measured.values().stream().max(String::compareTo).orElse("");
    }

    private static boolean has(String part, List<?> jmh, List<?> fleet, List<?> failover) {
        return switch (part) {
            case "jmh" -> !jmh.isEmpty();
            case "fleet" -> !fleet.isEmpty();
            default -> !failover.isEmpty();
        };
    }
}
