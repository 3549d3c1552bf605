package dev.baton.bench;

import dev.baton.bench.fleet.BenchFleet;
import dev.baton.bench.fleet.BenchProcess;
import dev.baton.bench.fleet.Contender;
import dev.baton.bench.fleet.Postgres;
import dev.baton.bench.fleet.Proc;
import dev.baton.bench.fleet.SlotStats;
import dev.baton.bench.fleet.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ramps the number of 1 s drill workers on a fleet of node processes until it no longer runs 95%
 * of the due slots with a p99 start lateness under 1 s, then steps finely between the last passing
 * and the first failing step until they are less than 10% apart, so that each system's limit is
 * known within 10%. Each step starts a fresh fleet, waits until it is whole, lets it settle, then
 * measures a window from the journals and /proc.
 */
public final class FleetBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FleetBenchmark.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration START_LIMIT = Duration.ofMinutes(3);

    /**
     * One step of the ramp. CPU is percent of one core over the window: per node, of the database
     * server behind the nodes (null if none), and of everything else on the machine (null if
     * unknown: a step that other work disturbed shows it there); RSS in MB at its end.
     */
    public record Step(String contender, int nodes, int workers, long due, long ran, long duplicates, long missed,
                       double executionsPerSecond, long p50Ms, long p99Ms, List<Double> cpuPercent,
                       List<Double> rssMb, boolean sustained, Double serverCpuPercent, Double otherCpuPercent) {
    }

    private final int nodes;
    private final Duration settle;
    private final Duration window;
    private final Optional<Postgres> postgres;
    private final Path dir;

    public FleetBenchmark(int nodes, Duration settle, Duration window, Optional<Postgres> postgres, Path dir) {
        this.nodes = nodes;
        this.settle = settle;
        this.window = window;
        this.postgres = postgres;
        this.dir = dir;
    }

    /**
     * The idle step (no workers: memory and CPU at rest), the coarse steps until one is not
     * sustained, then, if {@code fine}, the fine steps between the last passing and the first
     * failing one ({@link LimitSearch}).
     */
    public List<Step> ramp(Contender contender, List<Integer> workerSteps, boolean fine) throws Exception {
        List<Step> steps = new ArrayList<>();
        steps.add(step(contender, 0));
        LimitSearch.Bracket limit = LimitSearch.search(workerSteps, fine, workers -> {
            Step step = step(contender, workers);
            steps.add(step);
            return step.sustained();
        });
        if (limit.failed() == 0) {
            log.warn("{} sustained every step up to {} workers: its limit lies above; add higher --steps",
                    contender.label(), limit.passed());
        } else {
            log.info("{}: sustained {} workers, not {}", contender.label(), limit.passed(), limit.failed());
        }
        return steps;
    }

    Step step(Contender contender, int workers) throws Exception {
        Workload workload = new Workload(nodes, workers, PERIOD, "0ms",
                "bench-" + contender.name().toLowerCase() + "-" + workers + "-" + ProcessHandle.current().pid());
        try (BenchFleet fleet = new BenchFleet(contender, workload, postgres,
                dir.resolve(contender.name().toLowerCase() + "-" + workers))) {
            fleet.startAll(START_LIMIT);
            fleet.awaitWhole(nodes, START_LIMIT);
            Thread.sleep(settle.toMillis());
            for (BenchProcess node : fleet.nodes()) {
                if (!node.isAlive()) {
                    throw new IllegalStateException(node.id() + " exited:\n" + node.tail());
                }
            }
            List<Double> cpuBefore = fleet.nodes().stream().map(BenchProcess::cpuSeconds).toList();
            double serverBefore = serverCpuSeconds(contender);
            double machineBefore = Proc.machineBusySeconds();
            Instant from = Instant.now();
            Thread.sleep(window.toMillis());
            Instant to = Instant.now();
            List<Double> cpu = new ArrayList<>();
            List<Double> rss = new ArrayList<>();
            double seconds = Duration.between(from, to).toMillis() / 1000.0;
            for (int i = 0; i < fleet.nodes().size(); i++) {
                BenchProcess node = fleet.nodes().get(i);
                cpu.add(round((node.cpuSeconds() - cpuBefore.get(i)) / seconds * 100));
                rss.add(round(node.rssMb()));
            }
            double server = round((serverCpuSeconds(contender) - serverBefore) / seconds * 100);
            double other = round((Proc.machineBusySeconds() - machineBefore) / seconds * 100
                    - cpu.stream().mapToDouble(Double::doubleValue).sum() - (Double.isNaN(server) ? 0 : server));
            if (other > 25) {
                log.warn("{} at {} workers: other work used {}% of a core during the window; the step is disturbed",
                        contender.label(), workers, other);
            }
            // Starts of slots at the window's end are written a moment later.
            Thread.sleep(2000);
            SlotStats stats = SlotStats.of(fleet.executions(), workers, PERIOD, from, to);
            boolean sustained = workers == 0 || (stats.sustained() >= 0.95 && stats.percentileMs(99) < 1000);
            Step step = new Step(contender.label(), nodes, workers, stats.due(), stats.ran(), stats.duplicates(),
                    stats.missed(), round(stats.executionsPerSecond()), stats.percentileMs(50),
                    stats.percentileMs(99), cpu, rss, sustained, Double.isNaN(server) ? null : server,
                    Double.isNaN(other) ? null : other);
            log.info("{}", step);
            return step;
        }
    }

    private double serverCpuSeconds(Contender contender) {
        return contender.needsPostgres() ? postgres.map(Postgres::cpuSeconds).orElse(Double.NaN) : Double.NaN;
    }

    /** To a tenth; NaN (not measured) stays NaN. */
    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
