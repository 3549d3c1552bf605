package dev.baton.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs the JMH benchmarks of this module and keeps their sample-time percentiles. */
public final class JmhFigures {

    /** One benchmark (with its parameters): microseconds per operation. */
    public record Row(String benchmark, String params, long samples, double p50Us, double p99Us, double meanUs) {
    }

    private JmhFigures() {
    }

    public static List<Row> run(String include) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder().include(include)
                .verbosity(VerboseMode.NORMAL).build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            var stats = r.getPrimaryResult().getStatistics();
            String name = r.getParams().getBenchmark();
            String params = r.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + r.getParams().getParam(k)).reduce((a, b) -> a + "," + b).orElse("");
            rows.add(new Row(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1), params,
                    stats.getN(), round(stats.getPercentile(50)), round(stats.getPercentile(99)),
                    round(stats.getMean())));
        }
        return rows;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
