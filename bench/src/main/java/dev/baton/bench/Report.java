package dev.baton.bench;

import dev.baton.bench.FailoverBenchmark.Fault;
import dev.baton.bench.FailoverBenchmark.Sample;
import dev.baton.bench.FleetBenchmark.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The results as a Markdown page: each figure for every system, and Baton's as a ratio to each peer's. */
public final class Report {

    static final String BATON = "Baton";
    static final String SHEDLOCK = "ShedLock";
    static final String DBSCHEDULER = "db-scheduler";
    /** The systems in the order of the tables; the peers are all but Baton. */
    static final List<String> SYSTEMS = List.of(BATON, SHEDLOCK, DBSCHEDULER);
    static final List<String> PEERS = SYSTEMS.subList(1, SYSTEMS.size());

    private Report() {
    }

    public static String markdown(Results r) {
        StringBuilder md = new StringBuilder();
        md.append("# Baton benchmarks\n\n").append(measured(r))
                .append(" Reproduce: `bench/run.sh` (see the README's performance section).\n\n")
                .append("![start lateness and fail-over](benchmarks.svg)\n\n");
        summary(md, r);
        setup(md, r);
        if (!r.jmh().isEmpty()) {
            md.append("\n## Claim path and engine overhead (JMH, sample time)\n\n")
                    .append("| Benchmark | Params | Samples | p50 (µs) | p99 (µs) | mean (µs) |\n")
                    .append("|---|---|---:|---:|---:|---:|\n");
            r.jmh().forEach(j -> md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f |%n",
                    j.benchmark(), j.params(), j.samples(), j.p50Us(), j.p99Us(), j.meanUs())));
        }
        if (!r.fleet().isEmpty()) {
            fleet(md, r.fleet());
        }
        if (!r.failover().isEmpty()) {
            failover(md, r.failover());
        }
        return md.toString();
    }

    /** When each part was measured: parts run on their own days are figures of different runs. */
    static String measured(Results r) {
        Set<String> days = new TreeSet<>(r.measured().values());
        if (days.size() <= 1) {
            return "Measured " + r.date() + " on " + r.machine() + ".";
        }
        List<String> parts = new ArrayList<>();
        Map<String, String> names = Map.of("jmh", "JMH", "fleet", "fleet ramps", "failover", "fail-overs");
        Results.PARTS.stream().filter(r.measured()::containsKey)
                .forEach(p -> parts.add(names.get(p) + " " + r.measured().get(p)));
        return "Measured on " + r.machine() + ", in separate runs: " + String.join("; ", parts)
                + " (figures of different runs may come from different machines of this kind: compare within one).";
    }

    private static void summary(StringBuilder md, Results r) {
        md.append("| Figure | ").append(String.join(" | ", SYSTEMS));
        PEERS.forEach(p -> md.append(" | Baton / ").append(p));
        md.append(" |\n|---|").append("---:|".repeat(SYSTEMS.size() + PEERS.size())).append('\n');

        sustainedRow(md, r.fleet());
        row(md, "First failing step above it (executions/s due)",
                s -> firstFailureAbove(r.fleet(), s).map(f -> (double) f.workers()), "%.0f", false);
        row(md, "Other work on the machine during those two steps (CPU %, most)", s -> Stream.concat(
                bestSustained(r.fleet(), s).stream(), firstFailureAbove(r.fleet(), s).stream())
                .map(Step::otherCpuPercent).filter(Objects::nonNull).max(Double::compare), "%.0f", false);
        row(md, "Start lateness p99 at the sustained step (ms)",
                s -> bestSustained(r.fleet(), s).map(b -> (double) b.p99Ms()), "%.0f", true);
        row(md, "CPU per execution at the sustained step (ms; nodes + database)",
                s -> bestSustained(r.fleet(), s).map(Report::cpuMsPerExecution), "%.2f", true);
        row(md, "Duplicate executions, whole ramp",
                s -> steps(r.fleet(), s).isEmpty() ? Optional.empty()
                        : Optional.of((double) steps(r.fleet(), s).stream().mapToLong(Step::duplicates).sum()),
                "%.0f", false);
        row(md, "Idle RSS per node, max (MB)", s -> idleRss(r.fleet(), s), "%.0f", true);
        for (Fault f : Fault.values()) {
            row(md, faultName(f) + ": next start elsewhere, median (ms)", s -> medianOf(r.failover(), s, f), "%.0f",
                    true);
            if (f == Fault.KILL_DURING) {
                row(md, faultName(f) + ": the cut-short slot runs again, median (ms)",
                        s -> rerunMedian(r.failover(), s), "%.0f", true);
            }
        }
        md.append("\n\"Sustained\" is the highest step that ran at least 95% of its due slots with a p99 start"
                + " lateness under 1 s; above it the ramp steps finely until the first failing step is less than"
                + " 10% higher, so each limit is known within 10%. The ratio in brackets is the range those"
                + " brackets allow. Other work on the machine takes CPU from the system under test: limits found"
                + " while it used much are low. \"never\": the cut-short slot was not run again; for the next start"
                + " elsewhere, no other node ran the worker within 60 s of the fault (\"none\" in the table below).\n");
    }

    private static void sustainedRow(StringBuilder md, List<Step> fleet) {
        md.append("| Executions/s sustained (highest passing step)");
        for (String s : SYSTEMS) {
            md.append(" | ").append(bestSustained(fleet, s)
                    .map(b -> String.format(Locale.ROOT, "%.0f", b.executionsPerSecond())).orElse("-"));
        }
        Optional<Step> baton = bestSustained(fleet, BATON);
        for (String peer : PEERS) {
            Optional<Step> p = bestSustained(fleet, peer);
            if (baton.isEmpty() || p.isEmpty() || p.get().executionsPerSecond() == 0) {
                md.append(" | -");
                continue;
            }
            double ratio = baton.get().executionsPerSecond() / p.get().executionsPerSecond();
            // Each limit lies between its passing step and its first failing step, if one was run.
            double low = firstFailureAbove(fleet, peer).map(f -> baton.get().executionsPerSecond() / f.workers())
                    .orElse(Double.NaN);
            double high = firstFailureAbove(fleet, BATON).map(f -> f.workers() / p.get().executionsPerSecond())
                    .orElse(Double.NaN);
            md.append(String.format(Locale.ROOT, " | %.2f", ratio));
            if (!Double.isNaN(low) || !Double.isNaN(high)) {
                md.append(String.format(Locale.ROOT, " (%s-%s)", Double.isNaN(low) ? "?" : fmt(low),
                        Double.isNaN(high) ? "?" : fmt(high)));
            }
        }
        md.append(" |\n");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** One row: the figure for each system, then Baton's divided by each peer's if {@code ratio}. */
    private static void row(StringBuilder md, String what, Function<String, Optional<Double>> figure, String format,
                            boolean ratio) {
        md.append("| ").append(what);
        for (String s : SYSTEMS) {
            md.append(" | ").append(figure.apply(s).map(v -> v < 0 ? "never" : String.format(Locale.ROOT, format, v))
                    .orElse("-"));
        }
        Optional<Double> baton = figure.apply(BATON);
        for (String peer : PEERS) {
            Optional<Double> p = figure.apply(peer);
            md.append(" | ").append(ratio && baton.isPresent() && p.isPresent() && p.get() > 0 && baton.get() >= 0
                    ? fmt(baton.get() / p.get()) : "-");
        }
        md.append(" |\n");
    }

    private static void setup(StringBuilder md, Results r) {
        if (r.setup().isEmpty()) {
            return;
        }
        md.append("\n## Set-up\n\nEvery system runs as 3 node processes on loopback with the Dockerfile's JVM flags"
                + " and a 358 MB heap, its workers at a fixed rate aligned to the period, each execution journaled"
                + " in Baton's format and checked by the same code (duplicates, missed slots, start lateness), measured"
                + " over a window that begins after the settle time (default 60 s: a fresh JVM compiles its hot code"
                + " in about its first minute).\n\n");
        List<String> order = new ArrayList<>(SYSTEMS);
        order.add("PostgreSQL");
        systemsIn(new ArrayList<>(r.setup().keySet())).stream()
                .sorted(Comparator.comparingInt(s -> order.contains(s) ? order.indexOf(s) : order.size()))
                .forEach(s -> md.append("- ").append(s).append(": ").append(r.setup().get(s)).append('\n'));
        md.append("""

                What a crash costs in each: Baton's worker waits for the lease of the execution cut short (5 s),
                then runs that slot again elsewhere as a RERUN. ShedLock's lock stays taken until lockAtMostFor
                has passed, and the slot cut short is not run again. db-scheduler finds the execution dead once
                its heartbeat is older than the heartbeat interval times the missed-heartbeat limit (checked
                every two heartbeats) and revives it: it runs once more at once, with that moment as its
                execution time.
                """);
    }

    private static void fleet(StringBuilder md, List<Step> fleet) {
        md.append("\n## Fleet ramp (1 s drill workers, no work; a step passes at >= 95% of due slots run"
                        + " and p99 start lateness < 1 s)\n\n"
                        + "CPU is percent of one core over the window; \"Other\" is what the rest of the machine used"
                        + " meanwhile: a step with much of it was disturbed by other work.\n\n")
                .append("| System | Nodes | Workers | Executions/s | Run / due | Duplicates | Missed | p50 (ms)"
                        + " | p99 (ms) | CPU % per node | Database CPU % | Other CPU % | RSS MB per node | Sustained |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---|\n");
        for (String system : systemsIn(fleet.stream().map(Step::contender).toList())) {
            steps(fleet, system).stream().sorted(Comparator.comparingInt(Step::workers)).forEach(s -> md.append(
                    String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %d / %d | %d | %d | %d | %d | %s | %s | %s | %s | %s |%n",
                            s.contender(), s.nodes(), s.workers(), s.executionsPerSecond(), s.ran(), s.due(),
                            s.duplicates(), s.missed(), s.p50Ms(), s.p99Ms(), join(s.cpuPercent()),
                            percent(s.serverCpuPercent()), percent(s.otherCpuPercent()), join(s.rssMb()), s.workers() == 0 ? "idle" : s.sustained() ? "yes" : "**no**")));
        }
    }

    private static void failover(StringBuilder md, List<Sample> failover) {
        md.append("\n## Fail-over (one 1 s worker on 3 nodes, 100 ms of work; the node that ran it last is hit,"
                        + " between executions or, for kill -9 during an execution, while it runs one)\n\n")
                .append("| System | Fault | Runs | Next start elsewhere, each (ms) | Median (ms) | Next start"
                        + " lateness, each (ms) | Missed slots | Cut-short slot ran again, each (ms) |\n")
                .append("|---|---|---:|---|---:|---|---:|---|\n");
        for (String system : systemsIn(failover.stream().map(Sample::contender).toList())) {
            for (Fault f : Fault.values()) {
                List<Sample> samples = failover.stream().filter(s -> s.contender().equals(system) && s.fault() == f)
                        .toList();
                if (samples.isEmpty()) {
                    continue;
                }
                long median = median(samples);
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %d | %s |%n", system,
                        faultName(f), samples.size(), each(samples, Sample::timeToNextStartMs),
                        median < 0 ? "none" : Long.toString(median),
                        each(samples, Sample::nextStartLatenessMs),
                        samples.stream().mapToLong(Sample::missedSlots).sum(),
                        f == Fault.KILL_DURING ? samples.stream().map(s -> s.cutSlotRerunMs() == null ? "-"
                                : s.cutSlotRerunMs() < 0 ? "never" : Long.toString(s.cutSlotRerunMs()))
                                .collect(Collectors.joining(", ")) : "-"));
            }
        }
    }

    private static String percent(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    static String faultName(Fault f) {
        return switch (f) {
            case KILL -> "kill -9 between executions";
            case KILL_DURING -> "kill -9 during an execution";
            case FREEZE -> "SIGSTOP for 8 s";
            case GRACEFUL -> "SIGTERM";
        };
    }

    /** The known systems in report order, then any other names found. */
    private static List<String> systemsIn(List<String> names) {
        List<String> ordered = new ArrayList<>(SYSTEMS.stream().filter(names::contains).toList());
        names.stream().distinct().filter(n -> !SYSTEMS.contains(n)).forEach(ordered::add);
        return ordered;
    }

    private static List<Step> steps(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system)).toList();
    }

    static Optional<Step> bestSustained(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system) && s.workers() > 0 && s.sustained())
                .max(Comparator.comparingDouble(Step::executionsPerSecond));
    }

    /** The smallest failing step above the best passing one: the limit lies between the two. */
    static Optional<Step> firstFailureAbove(List<Step> steps, String system) {
        int passed = bestSustained(steps, system).map(Step::workers).orElse(0);
        return steps.stream().filter(s -> s.contender().equals(system) && !s.sustained() && s.workers() > passed)
                .min(Comparator.comparingInt(Step::workers));
    }

    /** CPU milliseconds the fleet (and its database server, if any) spent per execution in the window. */
    private static double cpuMsPerExecution(Step s) {
        double cores = s.cpuPercent().stream().mapToDouble(Double::doubleValue).sum() / 100
                + (s.serverCpuPercent() == null ? 0 : s.serverCpuPercent() / 100);
        return s.executionsPerSecond() == 0 ? Double.NaN : cores / s.executionsPerSecond() * 1000;
    }

    private static Optional<Double> idleRss(List<Step> steps, String system) {
        return steps.stream().filter(s -> s.contender().equals(system) && s.workers() == 0)
                .flatMap(s -> s.rssMb().stream()).max(Double::compare);
    }

    static Optional<Double> medianOf(List<Sample> samples, String system, Fault fault) {
        List<Sample> of = samples.stream().filter(s -> s.contender().equals(system) && s.fault() == fault).toList();
        // -1 (none within the limit) reads as "never" in the summary.
        return of.isEmpty() ? Optional.empty() : Optional.of((double) median(of));
    }

    /** The median time to the re-run of the cut-short slot; -1 if it was never run again in most samples. */
    static Optional<Double> rerunMedian(List<Sample> samples, String system) {
        List<Long> times = samples.stream()
                .filter(s -> s.contender().equals(system) && s.fault() == Fault.KILL_DURING && s.cutSlotRerunMs() != null)
                .map(s -> s.cutSlotRerunMs() < 0 ? Long.MAX_VALUE : s.cutSlotRerunMs()).sorted().toList();
        if (times.isEmpty()) {
            return Optional.empty();
        }
        long median = times.get(times.size() / 2);
        return Optional.of(median == Long.MAX_VALUE ? -1.0 : median);
    }

    /** The median time to the next start elsewhere; -1 if most faults had none within the benchmark's limit. */
    private static long median(List<Sample> samples) {
        List<Long> times = samples.stream().map(s -> s.timeToNextStartMs() < 0 ? Long.MAX_VALUE : s.timeToNextStartMs())
                .sorted().toList();
        long median = times.get(times.size() / 2);
        return median == Long.MAX_VALUE ? -1 : median;
    }

    /** Each sample's figure; "none" where no node took over within the limit. */
    private static String each(List<Sample> samples, Function<Sample, Long> figure) {
        return samples.stream().map(s -> s.timeToNextStartMs() < 0 ? "none" : Long.toString(figure.apply(s)))
                .collect(Collectors.joining(", "));
    }

    private static String join(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).collect(Collectors.joining(" / "));
    }
}
