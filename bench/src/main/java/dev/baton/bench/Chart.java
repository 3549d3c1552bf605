package dev.baton.bench;

import dev.baton.bench.FailoverBenchmark.Fault;
import dev.baton.bench.FleetBenchmark.Step;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Two panels as SVG: p99 start lateness against the offered load for each system's ramp,
 * and the median time to the next start elsewhere after each kind of fault; the date and the
 * machine underneath.
 */
final class Chart {

    private static final Map<String, String> COLOURS = Map.of(Report.BATON, "#1f77b4", Report.SHEDLOCK, "#d62728",
            Report.DBSCHEDULER, "#2ca02c");
    private static final Map<Fault, String> LABELS = Map.of(Fault.KILL, "kill -9", Fault.KILL_DURING,
            "kill -9 in run", Fault.FREEZE, "SIGSTOP", Fault.GRACEFUL, "SIGTERM");
    private static final int W = 420;
    private static final int H = 300;
    private static final int PAD = 50;

    private Chart() {
    }

    static String svg(Results r) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n", 2 * W + 20, H + 60));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        lateness(svg, r.fleet());
        failover(svg, r);
        legend(svg);
        svg.append(String.format(Locale.ROOT, "<text x=\"20\" y=\"%d\" fill=\"#555\">%s</text>%n", H + 48,
                escape("Measured " + chartDays(r) + " on " + r.machine() + "; bench/run.sh")));
        return svg.append("</svg>\n").toString();
    }

    /** The days of the two parts the chart draws: the ramps' lateness and the fail-overs. */
    private static String chartDays(Results r) {
        String days = Stream.of("fleet", "failover").map(r.measured()::get).filter(d -> d != null).distinct()
                .collect(Collectors.joining(" and "));
        return days.isEmpty() ? r.date() : days;
    }

    /**
     * p99 start lateness against the offered load (workers, so executions/s due), both on log scales,
     * with the 1 s pass line; a failing step is a hollow dot, and a step that ran nothing sits on top.
     */
    private static void lateness(StringBuilder svg, List<Step> steps) {
        int maxWorkers = steps.stream().mapToInt(Step::workers).max().orElse(1);
        int decades = Math.max(3, (int) Math.ceil(Math.log10(Math.max(10, maxWorkers))) - 1);
        axes(svg, 0, "executions/s due (workers of 1 s), log", "p99 start lateness (ms, log)");
        for (int decade = 0; decade <= 4; decade++) {
            double y = yLog(Math.pow(10, decade));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text>%n", PAD - 4,
                    y + 4, decade == 0 ? "1" : "1e" + decade));
        }
        for (int decade = 0; decade <= decades; decade++) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
                    xLog(Math.pow(10, decade + 1), decades), H - PAD + 14, Math.pow(10, decade + 1)));
        }
        double limit = yLog(1000);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#999\""
                + " stroke-dasharray=\"4\"/>%n", PAD, W - PAD, limit, limit));
        for (String system : Report.SYSTEMS) {
            String colour = COLOURS.get(system);
            StringBuilder points = new StringBuilder();
            steps.stream().filter(s -> s.contender().equals(system) && s.workers() > 0)
                    .sorted(Comparator.comparingInt(Step::workers)).forEach(s -> {
                        double x = xLog(s.workers(), decades);
                        double y = yLog(s.p99Ms() < 0 ? 10_000 : Math.min(10_000, Math.max(1, s.p99Ms())));
                        points.append(String.format(Locale.ROOT, "%.0f,%.0f ", x, y));
                        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"3\" fill=\"%s\""
                                + " stroke=\"%s\"/>%n", x, y, s.sustained() ? colour : "white", colour));
                    });
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\"/>%n",
                    points.toString().trim(), colour));
        }
    }

    /** From 10 to 10^(decades + 1) across the panel. */
    private static double xLog(double workers, int decades) {
        double fraction = (Math.log10(Math.max(10, workers)) - 1) / decades;
        return PAD + (W - 2 * PAD) * Math.min(1, fraction);
    }

    private static void failover(StringBuilder svg, Results r) {
        int left = W + 20;
        axes(svg, left, "fault", "time to next start elsewhere (ms, median)");
        double max = 1000;
        for (Fault f : Fault.values()) {
            for (String system : Report.SYSTEMS) {
                max = Math.max(max, Report.medianOf(r.failover(), system, f).orElse(0.0));
            }
        }
        max = Math.ceil(max / 1000) * 1000;
        for (int i = 0; i <= 4; i++) {
            double y = H - PAD - (H - 2 * PAD) * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.0f</text>%n",
                    left + PAD - 4, y + 4, max * i / 4));
        }
        double group = (W - 2 * PAD) / (double) Fault.values().length;
        for (Fault f : Fault.values()) {
            double x0 = left + PAD + group * f.ordinal();
            svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x0 + group / 2, H - PAD + 14, LABELS.get(f)));
            double bar = group * 0.8 / Report.SYSTEMS.size();
            int i = 0;
            for (String system : Report.SYSTEMS) {
                Optional<Double> median = Report.medianOf(r.failover(), system, f);
                // No takeover within the benchmark's limit: a full-height bar marked "none".
                boolean none = median.isPresent() && median.get() < 0;
                double v = none ? max : median.orElse(0.0);
                double h = (H - 2 * PAD) * v / max;
                double x = x0 + group * 0.1 + i * bar;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\""
                        + " fill=\"%s\"/>%n", x, H - PAD - h, bar * 0.9, h, COLOURS.get(system)));
                svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\""
                        + " font-size=\"9\">%s</text>%n", x + bar * 0.45, H - PAD - h - 3,
                        none ? "none" : median.map(m -> String.format(Locale.ROOT, "%.0f", m)).orElse("-")));
                i++;
            }
        }
    }

    private static void axes(StringBuilder svg, int left, String xLabel, String yLabel) {
        svg.append(String.format(Locale.ROOT, "<path d=\"M%d %d V%d H%d\" stroke=\"black\" fill=\"none\"/>%n",
                left + PAD, PAD, H - PAD, left + W - PAD));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                left + W / 2, H - PAD + 30, xLabel));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">"
                + "%s</text>%n", left + W / 2, PAD - 12, yLabel));
    }

    private static void legend(StringBuilder svg) {
        int x = 20;
        for (String system : Report.SYSTEMS) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, H + 15, COLOURS.get(system), x + 16, H + 25, system));
            x += 100;
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static double yLog(double ms) {
        return H - PAD - (H - 2 * PAD) * Math.log10(ms) / 4.0;
    }
}
