package dev.baton.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.baton.bench.fleet.Contender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the benchmarks and writes {@code results/benchmarks.md}, {@code .svg} and {@code .json}.
 *
 * <pre>
 *   --parts jmh,fleet,failover     which to run (default all); the others are kept from the last run
 *   --systems baton,shedlock       (default both); the other system keeps its last figures
 *   --nodes 3  --repeats 5  --steps 100,500,1000,2000,4000,6000,8000,12000
 *   --settle 15s  --window 20s  --results results  --work /tmp/baton-bench
 * </pre>
 */
public final class BenchMain {

    private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        Set<String> parts = Set.of(o.getOrDefault("parts", "jmh,fleet,failover").split(","));
        List<Contender> systems = Arrays.stream(o.getOrDefault("systems", "baton,shedlock").split(","))
                .map(s -> Contender.valueOf(s.trim().toUpperCase())).toList();
        Path resultsDir = Files.createDirectories(Path.of(o.getOrDefault("results", "results")));
        Path work = Files.createDirectories(Path.of(o.getOrDefault("work", "/tmp/baton-bench"))
                .resolve(Long.toString(System.currentTimeMillis())));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path raw = resultsDir.resolve("benchmarks.json");
        Results previous = Files.exists(raw) ? json.readValue(raw.toFile(), Results.class)
                : new Results("", "", List.of(), List.of(), List.of());

        List<JmhFigures.Row> jmh = previous.jmh();
        if (parts.contains("jmh")) {
            jmh = JmhFigures.run(o.getOrDefault("jmh", "dev.baton.bench.jmh"));
            save(json, resultsDir, new Results(machine(), LocalDate.now().toString(), jmh, previous.fleet(),
                    previous.failover()));
        }
        List<FleetBenchmark.Step> fleet = previous.fleet();
        if (parts.contains("fleet")) {
            fleet = othersThan(systems, previous.fleet(), FleetBenchmark.Step::contender);
            FleetBenchmark bench = new FleetBenchmark(Integer.parseInt(o.getOrDefault("nodes", "3")),
                    duration(o.getOrDefault("settle", "15s")), duration(o.getOrDefault("window", "20s")),
                    work.resolve("fleet"));
            List<Integer> steps = Arrays.stream(o.getOrDefault("steps", "100,500,1000,2000,4000,6000,8000,12000")
                    .split(",")).map(s -> Integer.parseInt(s.trim())).toList();
            for (Contender c : systems) {
                fleet.addAll(bench.ramp(c, steps));
            }
            save(json, resultsDir, new Results(machine(), LocalDate.now().toString(), jmh, fleet,
                    previous.failover()));
        }
        List<FailoverBenchmark.Sample> failover = previous.failover();
        if (parts.contains("failover")) {
            failover = othersThan(systems, previous.failover(), FailoverBenchmark.Sample::contender);
            FailoverBenchmark bench = new FailoverBenchmark(Integer.parseInt(o.getOrDefault("repeats", "5")),
                    work.resolve("failover"));
            for (Contender c : systems) {
                failover.addAll(bench.run(c));
            }
        }

        Results results = new Results(machine(), LocalDate.now().toString(), jmh, fleet, failover);
        save(json, resultsDir, results);
        log.info("Results in {}:\n{}", resultsDir.toAbsolutePath(), Report.markdown(results));
    }

    /** The figures of the systems not run this time, which keep their last ones. */
    private static <T> List<T> othersThan(List<Contender> systems, List<T> figures,
                                          java.util.function.Function<T, String> contender) {
        return new ArrayList<>(figures.stream()
                .filter(f -> systems.stream().noneMatch(c -> c.label().equals(contender.apply(f)))).toList());
    }

    /** Writes the raw figures, the report and the chart; after each part, so a failed part loses no other. */
    private static void save(ObjectMapper json, Path dir, Results results) throws java.io.IOException {
        json.writeValue(dir.resolve("benchmarks.json").toFile(), results);
        Files.writeString(dir.resolve("benchmarks.md"), Report.markdown(results));
        Files.writeString(dir.resolve("benchmarks.svg"), Chart.svg(results));
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, "
                + Runtime.version().feature() + " JDK, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch");
    }

    private static Duration duration(String s) {
        return Duration.parse("PT" + s.toUpperCase());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i]
                        + "'; see BenchMain's javadoc for the options");
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
