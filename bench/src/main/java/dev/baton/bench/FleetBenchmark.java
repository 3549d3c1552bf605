package dev.baton.bench;

import dev.baton.bench.fleet.BenchFleet;
import dev.baton.bench.fleet.BenchProcess;
import dev.baton.bench.fleet.Contender;
import dev.baton.bench.fleet.SlotStats;
import dev.baton.bench.fleet.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ramps the number of 1 s drill workers on a fleet of node processes until it no longer runs 95%
 * of the due slots with a p99 start lateness under 1 s. Each step starts a fresh fleet, lets it
 * settle, then measures a window from the journals and /proc.
 */
public final class FleetBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FleetBenchmark.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);

    /** One step of the ramp. CPU is percent of one core per node over the window; RSS in MB at its end. */
    public record Step(String contender, int nodes, int workers, long due, long ran, long duplicates, long missed,
                       double executionsPerSecond, long p50Ms, long p99Ms, List<Double> cpuPercent,
                       List<Double> rssMb, boolean sustained) {
    }

    private final int nodes;
    private final Duration settle;
    private final Duration window;
    private final Path dir;

    public FleetBenchmark(int nodes, Duration settle, Duration window, Path dir) {
        this.nodes = nodes;
        this.settle = settle;
        this.window = window;
        this.dir = dir;
    }

    /** The idle step (no workers: memory and CPU at rest), then the ramp until a step is not sustained. */
    public List<Step> ramp(Contender contender, List<Integer> workerSteps) throws Exception {
        List<Step> steps = new ArrayList<>();
        steps.add(step(contender, 0));
        for (int workers : workerSteps) {
            Step step = step(contender, workers);
            steps.add(step);
            if (!step.sustained()) {
                break;
            }
        }
        return steps;
    }

    Step step(Contender contender, int workers) throws Exception {
        Workload workload = new Workload(nodes, workers, PERIOD, "0ms",
                "bench-" + contender.name().toLowerCase() + "-" + workers + "-" + ProcessHandle.current().pid());
        try (BenchFleet fleet = new BenchFleet(contender, workload,
                dir.resolve(contender.name().toLowerCase() + "-" + workers))) {
            fleet.startAll();
            Thread.sleep(settle.toMillis());
            for (BenchProcess node : fleet.nodes()) {
                if (!node.isAlive()) {
                    throw new IllegalStateException(node.id() + " exited:\n" + node.tail());
                }
            }
            List<Double> cpuBefore = fleet.nodes().stream().map(BenchProcess::cpuSeconds).toList();
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
            // Starts of slots at the window's end are written a moment later.
            Thread.sleep(2000);
            SlotStats stats = SlotStats.of(fleet.executions(), workers, PERIOD, from, to);
            boolean sustained = workers == 0 || (stats.sustained() >= 0.95 && stats.percentileMs(99) < 1000);
            Step step = new Step(contender.label(), nodes, workers, stats.due(), stats.ran(), stats.duplicates(),
                    stats.missed(), round(stats.executionsPerSecond()), stats.percentileMs(50),
                    stats.percentileMs(99), cpu, rss, sustained);
            log.info("{}", step);
            return step;
        }
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
