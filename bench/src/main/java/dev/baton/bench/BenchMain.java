package dev.baton.bench;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.baton.bench.dbscheduler.DbSchedulerSettings;
import dev.baton.bench.fleet.Contender;
import dev.baton.bench.fleet.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the benchmarks and writes {@code results/benchmarks.md}, {@code .svg} and {@code .json}.
 *
 * <pre>
 *   --parts jmh,fleet,failover     which to run (default all); the others are kept from the last run;
 *                                  --parts report only rewrites the page and the chart from the JSON
 *   --systems baton,shedlock,dbscheduler   (default all three); the others keep their last figures
 *   --nodes 3  --repeats 5  --steps 100,500,1000,2000,4000,6000,8000,12000
 *   --settle 60s  --window 20s  --results results  --work /tmp/baton-bench
 *                                  (settle: a fresh JVM spends about its first minute compiling its hot
 *                                  code; the window measures the nodes after that, as they run in production)
 *   --fine true                    step finely past the first failing step (false: the coarse steps only)
 *   --postgres jdbc:postgresql://127.0.0.1:55432/bench?user=bench   for db-scheduler (bench/run.sh sets it)
 *   --postgres-data DIR            that server's data directory, to measure its CPU (bench/run.sh sets it)
 * </pre>
 */
public final class BenchMain {

    private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        Set<String> parts = Set.of(o.getOrDefault("parts", "jmh,fleet,failover").split(","));
        List<Contender> systems = Arrays.stream(o.getOrDefault("systems", "baton,shedlock,dbscheduler").split(","))
                .map(BenchMain::contender).toList();
        Optional<Postgres> postgres = Optional.ofNullable(o.get("postgres"))
                .map(url -> new Postgres(url, Optional.ofNullable(o.get("postgres-data")).map(Path::of)));
        Path resultsDir = Files.createDirectories(Path.of(o.getOrDefault("results", "results")));
        Path work = Files.createDirectories(Path.of(o.getOrDefault("work", "/tmp/baton-bench"))
                .resolve(Long.toString(System.currentTimeMillis())));
        // A figure that could not be measured (a node gone) is NaN, which JSON has no word for.
        ObjectMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        Path raw = resultsDir.resolve("benchmarks.json");
        Results previous = Files.exists(raw) ? json.readValue(raw.toFile(), Results.class)
                : new Results("", "", List.of(), List.of(), List.of(), Map.of());
        boolean measures = parts.contains("jmh") || parts.contains("fleet") || parts.contains("failover");
        String machine = measures ? machine() : previous.machine();
        String today = LocalDate.now().toString();
        Map<String, String> measured = new TreeMap<>(previous.measured());
        Map<String, String> setup = new TreeMap<>(previous.setup());
        if (parts.contains("fleet") || parts.contains("failover")) {
            systems.forEach(c -> setup.put(c.label(), setup(c)));
            postgres.filter(p -> systems.contains(Contender.DBSCHEDULER)).ifPresent(p -> setup.put("PostgreSQL",
                    p.describe()));
        }

        List<JmhFigures.Row> jmh = previous.jmh();
        if (parts.contains("jmh")) {
            jmh = JmhFigures.run(o.getOrDefault("jmh", "dev.baton.bench.jmh"));
            measured.put("jmh", today);
            save(json, resultsDir, results(machine, jmh, previous.fleet(), previous.failover(), setup, measured));
        }
        List<FleetBenchmark.Step> fleet = previous.fleet();
        if (parts.contains("fleet")) {
            fleet = othersThan(systems, previous.fleet(), FleetBenchmark.Step::contender);
            FleetBenchmark bench = new FleetBenchmark(Integer.parseInt(o.getOrDefault("nodes", "3")),
                    duration(o.getOrDefault("settle", "60s")), duration(o.getOrDefault("window", "20s")),
                    postgres, work.resolve("fleet"));
            List<Integer> steps = Arrays.stream(o.getOrDefault("steps", "100,500,1000,2000,4000,6000,8000,12000")
                    .split(",")).map(s -> Integer.parseInt(s.trim())).toList();
            measured.put("fleet", today);
            for (Contender c : systems) {
                fleet.addAll(bench.ramp(c, steps, Boolean.parseBoolean(o.getOrDefault("fine", "true"))));
                save(json, resultsDir, results(machine, jmh, fleet, previous.failover(), setup, measured));
            }
        }
        List<FailoverBenchmark.Sample> failover = previous.failover();
        if (parts.contains("failover")) {
            failover = othersThan(systems, previous.failover(), FailoverBenchmark.Sample::contender);
            FailoverBenchmark bench = new FailoverBenchmark(Integer.parseInt(o.getOrDefault("repeats", "5")),
                    postgres, work.resolve("failover"));
            measured.put("failover", today);
            for (Contender c : systems) {
                failover.addAll(bench.run(c));
            }
        }

        Results results = results(machine, jmh, fleet, failover, setup, measured);
        save(json, resultsDir, results);
        log.info("Results in {}:\n{}", resultsDir.toAbsolutePath(), Report.markdown(results));
    }

    private static Results results(String machine, List<JmhFigures.Row> jmh, List<FleetBenchmark.Step> fleet,
                                   List<FailoverBenchmark.Sample> failover, Map<String, String> setup,
                                   Map<String, String> measured) {
        return new Results(machine, Results.newest(measured), jmh, fleet, failover, setup, measured);
    }

    private static Contender contender(String name) {
        try {
            return Contender.valueOf(name.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--systems: unknown system '" + name + "'; use baton, shedlock or"
                    + " dbscheduler", e);
        }
    }

    /** How the system is set up in this run, for the report. */
    private static String setup(Contender c) {
        return switch (c) {
            case BATON -> "node defaults (lease 5 s, heartbeat 1 s, heartbeat timeout 5 s), journal on";
            case SHEDLOCK -> jar(net.javacrumbs.shedlock.provider.hazelcast4.HazelcastLockProvider.class)
                    + " on Hazelcast, fixed-rate tasks aligned to the period, lockAtLeastFor 0.5 s,"
                    + " lockAtMostFor 10 s, 32 threads";
            case DBSCHEDULER -> jar(com.github.kagkarlsson.scheduler.Scheduler.class) + ", recurring tasks on every period boundary, "
                    + DbSchedulerSettings.from(System::getenv).describe();
        };
    }

    /** The name of the jar a class came from, which carries its version. */
    private static String jar(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString()
                    .replaceAll("\\.jar$", "");
        } catch (Exception e) {
            return type.getPackageName();
        }
    }

    /** The figures of the systems not run this time, which keep their last ones. */
    private static <T> List<T> othersThan(List<Contender> systems, List<T> figures,
                                          java.util.function.Function<T, String> contender) {
        return new ArrayList<>(figures.stream()
                .filter(f -> systems.stream().noneMatch(c -> c.label().equals(contender.apply(f)))).toList());
    }

    /** Writes the raw figures, the report and the chart; after each part, so a failed part loses no other. */
    private static void save(ObjectMapper json, Path dir, Results results) throws IOException {
        json.writeValue(dir.resolve("benchmarks.json").toFile(), results);
        Files.writeString(dir.resolve("benchmarks.md"), Report.markdown(results));
        Files.writeString(dir.resolve("benchmarks.svg"), Chart.svg(results));
    }

    private static String machine() {
        String cpu = "";
        long memoryGb = 0;
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim() + ", ").orElse("");
        } catch (IOException | RuntimeException e) {
            // not Linux: the core count says enough
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            memoryGb = lines.filter(l -> l.startsWith("MemTotal:")).findFirst()
                    .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024)).orElse(0L);
        } catch (IOException | RuntimeException e) {
            // as above
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu
                + (memoryGb > 0 ? memoryGb + " GiB" : "memory unknown") + "), JDK " + Runtime.version().feature()
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
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
