package dev.baton.bench;

import dev.baton.bench.FailoverBenchmark.Fault;
import dev.baton.bench.FailoverBenchmark.Sample;
import dev.baton.bench.FleetBenchmark.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The results as a Markdown page and an SVG chart, each figure for both systems and as a ratio. */
public final class Report {

    static final String BASELINE = "ShedLock";
    static final String BATON = "Baton";

    private Report() {
    }

    public static String markdown(Results r) {
        StringBuilder md = new StringBuilder();
        md.append("# Baton benchmarks\n\n")
                .append("Measured ").append(r.date()).append(" on ").append(r.machine())
                .append(". Reproduce: `bench/run.sh` (see the README's performance section).\n\n")
                .append("![start lateness and fail-over](benchmarks.svg)\n\n");
        summary(md, r);
        if (!r.jmh().isEmpty()) {
            md.append("\n## Claim path and engine overhead (JMH, sample time)\n\n")
                    .append("| Benchmark | Params | Samples | p50 (µs) | p99 (µs) | mean (µs) |\n")
                    .append("|---|---|---:|---:|---:|---:|\n");
            r.jmh().forEach(j -> md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f |%n",
                    j.benchmark(), j.params(), j.samples(), j.p50Us(), j.p99Us(), j.meanUs())));
        }
        if (!r.fleet().isEmpty()) {
            md.append("\n## Fleet ramp (1 s drill workers, no work; a step passes at >= 95% of due slots run"
                    + " and p99 start lateness < 1 s)\n\n")
                    .append("| System | Nodes | Workers | Executions/s | Run / due | Duplicates | Missed | p50 (ms)"
                            + " | p99 (ms) | CPU % per node | RSS MB per node | Sustained |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
            r.fleet().forEach(s -> md.append(String.format(Locale.ROOT,
                    "| %s | %d | %d | %.0f | %d / %d | %d | %d | %d | %d | %s | %s | %s |%n", s.contender(),
                    s.nodes(), s.workers(), s.executionsPerSecond(), s.ran(), s.due(), s.duplicates(), s.missed(),
                    s.p50Ms(), s.p99Ms(), join(s.cpuPercent()), join(s.rssMb()),
                    s.workers() == 0 ? "idle" : s.sustained() ? "yes" : "**no**")));
        }
        if (!r.failover().isEmpty()) {
            md.append("\n## Fail-over (one 1 s worker on 3 nodes, 100 ms of work; the holder is hit between"
                    + " executions)\n\n")
                    .append("| System | Fault | Runs | Time to next start, each (ms) | Median (ms) | Next start"
                            + " lateness, each (ms) | Missed slots |\n")
                    .append("|---|---|---:|---|---:|---|---:|\n");
            grouped(r.failover()).forEach((key, samples) -> md.append(String.format(Locale.ROOT,
                    "| %s | %s | %d | %s | %d | %s | %d |%n", samples.get(0).contender(), samples.get(0).fault(),
                    samples.size(), samples.stream().map(s -> Long.toString(s.timeToNextStartMs()))
                            .collect(Collectors.joining(", ")), median(samples), samples.stream()
                            .map(s -> Long.toString(s.nextStartLatenessMs())).collect(Collectors.joining(", ")),
                    samples.stream().mapToLong(Sample::missedSlots).sum())));
        }
        return md.toString();
    }

    private static void summary(StringBuilder md, Results r) {
        md.append("| Figure | Baton | ShedLock | Baton / ShedLock |\n|---|---:|---:|---:|\n");
        Optional<Step> batonMax = bestSustained(r.fleet(), BATON);
        Optional<Step> shedMax = bestSustained(r.fleet(), BASELINE);
        row(md, "Executions/s sustained (highest passing step)", batonMax.map(Step::executionsPerSecond),
                shedMax.map(Step::executionsPerSecond), "%.0f");
        row(md, "Start lateness p99 at that step (ms)", batonMax.map(s -> (double) s.p99Ms()),
                shedMax.map(s -> (double) s.p99Ms()), "%.0f");
        row(md, "Duplicate executions, whole ramp", Optional.of(duplicates(r.fleet(), BATON)),
                Optional.of(duplicates(r.fleet(), BASELINE)), "%.0f");
        row(md, "Idle RSS per node, max (MB)", idleRss(r.fleet(), BATON), idleRss(r.fleet(), BASELINE), "%.0f");
        for (Fault f : Fault.values()) {
            row(md, "Fail-over " + f.name().toLowerCase(Locale.ROOT) + ": time to next start, median (ms)",
                    medianOf(r.failover(), BATON, f), medianOf(r.failover(), BASELINE, f), "%.0f");
        }
    }

    private static void row(StringBuilder md, String what, Optional<Double> baton, Optional<Double> shedlock,
                            String format) {
        String ratio = baton.isPresent() && shedlock.isPresent() && shedlock.get() != 0
                ? String.format(Locale.ROOT, "%.2f", baton.get() / shedlock.get()) : "-";
        md.append("| ").append(what).append(" | ")
                .append(baton.map(v -> String.format(Locale.ROOT, format, v)).orElse("-")).append(" | ")
                .append(shedlock.map(v -> String.format(Locale.ROOT, format, v)).orElse("-")).append(" | ")
                .append(ratio).append(" |\n");
    }

    static Optional<Step> bestSustained(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system) && s.workers() > 0 && s.sustained())
                .max(Comparator.comparingDouble(Step::executionsPerSecond));
    }

    private static double duplicates(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system)).mapToLong(Step::duplicates).sum();
    }

    private static Optional<Double> idleRss(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system) && s.workers() == 0)
                .flatMap(s -> s.rssMb().stream()).max(Double::compare);
    }

    static Optional<Double> medianOf(List<Sample> samples, String system, Fault fault) {
        List<Sample> of = samples.stream().filter(s -> s.contender().equals(system) && s.fault() == fault).toList();
        return of.isEmpty() ? Optional.empty() : Optional.of((double) median(of));
    }

    private static long median(List<Sample> samples) {
        List<Long> times = samples.stream().map(Sample::timeToNextStartMs).sorted().toList();
        return times.get(times.size() / 2);
    }

    private static Map<String, List<Sample>> grouped(List<Sample> samples) {
        Map<String, List<Sample>> groups = new TreeMap<>();
        samples.forEach(s -> groups.computeIfAbsent(s.contender() + "/" + s.fault().ordinal(), k -> new ArrayList<>())
                .add(s));
        return groups;
    }

    private static String join(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).collect(Collectors.joining(" / "));
    }
}
