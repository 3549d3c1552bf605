package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.bench.FailoverBenchmark.Fault;
import dev.baton.bench.FailoverBenchmark.Sample;
import dev.baton.bench.FleetBenchmark.Step;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static Step step(String system, int workers, boolean sustained) {
        return new Step(system, 3, workers, workers * 20L, workers * 20L, 0, 0, sustained ? workers : workers * 0.9,
                50, sustained ? 500 : 1500, List.of(30.0, 30.0, 30.0), List.of(200.0, 200.0, 200.0), sustained,
                system.equals(Report.DBSCHEDULER) ? 60.0 : null, 5.0);
    }

    private static Sample during(String system, long rerun) {
        return new Sample(system, Fault.KILL_DURING, "n2", 5500, 20, 5, rerun);
    }

    private final Results results = new Results("2 cores", "2026-12-01", List.of(),
            List.of(step("Baton", 0, true), step("Baton", 2000, true), step("Baton", 2300, true),
                    step("Baton", 2500, false), step("Baton", 4000, false),
                    step("ShedLock", 100, true), step("ShedLock", 110, true), step("ShedLock", 120, false),
                    step("db-scheduler", 2600, true), step("db-scheduler", 2800, false)),
            List.of(during("Baton", 5600), during("ShedLock", -1), during("db-scheduler", 6100)),
            Map.of("db-scheduler", "lock-and-fetch (1.0, 4.0)"));

    @Test
    void statesEachLimitAndItsRatioWithTheRangeTheFineStepsAllow() {
        String md = Report.markdown(results);

        assertThat(md).contains("| Figure | Baton | ShedLock | db-scheduler | Baton / ShedLock | Baton / db-scheduler |")
                .contains("| Executions/s sustained (highest passing step) | 2300 | 110 | 2600 | 20.91 (19.17-22.73)"
                        + " | 0.88 (0.82-0.96) |")
                .contains("| First failing step above it (executions/s due) | 2500 | 120 | 2800 |");
    }

    @Test
    void showsWhenTheCutShortSlotRanAgainOrThatItNeverDid() {
        String md = Report.markdown(results);

        assertThat(md).contains("| kill -9 during an execution: the cut-short slot runs again, median (ms) | 5600"
                + " | never | 6100 | - | 0.92 |");
        assertThat(md).contains("| ShedLock | kill -9 during an execution | 1 | 5500 | 5500 | 20 | 5 | never |");
    }

    @Test
    void aFaultAfterWhichNoNodeTookOverIsShownAsNoneNotAsATime() {
        Sample none = new Sample("Baton", Fault.FREEZE, "n1", -1, -1, 60, null);
        Sample quick = new Sample("Baton", Fault.FREEZE, "n1", 5040, 4540, 4, null);
        Results frozen = new Results("2 cores", "2026-12-03", List.of(), List.of(),
                List.of(quick, none, none), Map.of());

        String md = Report.markdown(frozen);

        assertThat(md).contains("| Baton | SIGSTOP for 8 s | 3 | 5040, none, none | none | 4540, none, none | 124 | - |")
                .contains("| SIGSTOP for 8 s: next start elsewhere, median (ms) | never |");
        assertThat(Chart.svg(frozen)).contains(">none<");
    }

    @Test
    void aPartMeasuredOnAnotherDayIsDatedOnItsOwn() {
        JmhFigures.Row claim = new JmhFigures.Row("ClaimCompleteBenchmark.claimAndComplete", "members=3", 100, 2700,
                8800, 3000);
        Results mixed = new Results("2 cores", "2026-12-04", List.of(claim), results.fleet(), results.failover(),
                Map.of(), Map.of("jmh", "2026-12-04", "fleet", "2026-12-01", "failover", "2026-12-01"));

        assertThat(Report.markdown(mixed)).contains("in separate runs: JMH 2026-12-04; fleet ramps 2026-12-01;"
                + " fail-overs 2026-12-01").doesNotContain("Measured 2026-12-04");
        assertThat(Chart.svg(mixed)).contains("Measured 2026-12-01 on").doesNotContain("2026-12-04");
        assertThat(Report.markdown(results)).contains("Measured 2026-12-01 on 2 cores.");
    }

    @Test
    void countsTheDatabaseInTheCpuPerExecution() {
        // 3 x 30% of a core for the nodes, plus 60% for PostgreSQL, over 2,600 executions/s.
        assertThat(Report.markdown(results)).contains("| CPU per execution at the sustained step (ms; nodes + database)"
                + " | 0.39 | 8.18 | 0.58 |");
    }

    @Test
    void theChartNamesAllThreeSystemsTheDateAndTheMachine() {
        String svg = Chart.svg(results);

        assertThat(svg).contains(">Baton<", ">ShedLock<", ">db-scheduler<", "2026-12-01", "2 cores");
    }
}
