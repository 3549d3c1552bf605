package dev.baton.node.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The checker every fault test relies on: it must catch each broken promise, and only those. */
class JournalAuditTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
    private final List<JournalExecution> runs = new ArrayList<>();
    private long fence = 1;

    private JournalExecution run(String node, int slot, String kind, double startS, Double endS, String outcome) {
        JournalExecution e = new JournalExecution("w", T0.plusSeconds(slot), fence++, node, "x" + fence, kind,
                at(startS), Optional.ofNullable(endS).map(JournalAuditTest::at), Optional.ofNullable(outcome));
        runs.add(e);
        return e;
    }

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    /** A run whose node wrote its end line and died before going on past recording the outcome. */
    private void unrecorded(String node, int slot, double startS, double endS) {
        runs.add(new JournalExecution("w", T0.plusSeconds(slot), fence++, node, "x" + fence, "SCHEDULED", at(startS),
                Optional.of(at(endS)), Optional.of("SUCCEEDED"), false));
    }

    private JournalAudit.Report check(JournalAudit.Fault... faults) {
        JournalAudit audit = JournalAudit.of(runs);
        for (JournalAudit.Fault f : faults) {
            audit.fault(f);
        }
        return audit.check("w", Duration.ofSeconds(1), T0.minusMillis(1), at(4.5), List.of());
    }

    @Test
    void aCleanRunHasNoFindings() {
        for (int s = 0; s <= 4; s++) {
            run(s % 2 == 0 ? "n1" : "n2", s, "SCHEDULED", s + 0.01, s + 0.1, "SUCCEEDED");
        }
        JournalAudit.Report report = check();
        assertThat(report.ok()).isTrue();
        assertThat(report.reruns()).isEmpty();
    }

    @Test
    void aSlotRunTwiceIsAViolation() {
        run("n1", 0, "SCHEDULED", 0.01, 0.1, "SUCCEEDED");
        run("n2", 0, "SCHEDULED", 0.5, 0.6, "SUCCEEDED");
        assertThat(check().violations()).singleElement().asString().startsWith("slot executed twice")
                .contains("on n1 (SCHEDULED, fence", "SUCCEEDED)", "and on n2 (SCHEDULED");
    }

    @Test
    void overlappingRunsAndFencesGoingBackAreViolations() {
        run("n1", 0, "SCHEDULED", 0.01, 1.5, "SUCCEEDED");
        run("n2", 1, "SCHEDULED", 1.01, 1.1, "SUCCEEDED");
        runs.add(new JournalExecution("w", T0.plusSeconds(2), 0, "n2", "old", "SCHEDULED", at(2.01),
                Optional.of(at(2.1)), Optional.of("SUCCEEDED")));
        assertThat(check().violations()).anyMatch(v -> v.startsWith("overlap"))
                .anyMatch(v -> v.startsWith("fence not increasing"));
    }

    @Test
    void aSlotCutShortByAKillMayRunAgain() {
        run("n1", 0, "SCHEDULED", 0.01, null, null);
        run("n2", 0, "RERUN", 0.8, 0.9, "SUCCEEDED");
        JournalAudit.Report report = check(JournalAudit.Fault.kill("n1", at(0.05)));
        assertThat(report.violations()).isEmpty();
        assertThat(report.reruns()).hasSize(1);
    }

    /** The end line is written before the outcome is recorded: a kill right after it may leave the slot open. */
    @Test
    void aSlotFinishedJustBeforeAKillThatCostItsRecordMayBeReRunButOnlyAsARerun() {
        unrecorded("n1", 0, 0.01, 0.2);
        run("n2", 0, "RERUN", 3.5, 3.6, "SUCCEEDED");
        JournalAudit.Report report = check(JournalAudit.Fault.kill("n1", at(0.25)));
        assertThat(report.violations()).isEmpty();
        assertThat(report.reruns()).singleElement().asString().contains("dying");

        assertThat(check(JournalAudit.Fault.kill("n1", at(3.0))).violations()).as("ended 2.8 s before the kill")
                .singleElement().asString().startsWith("slot executed twice");
    }

    @Test
    void aSlotRecordedBeforeTheKillIsNotExcusedByIt() {
        run("n1", 0, "SCHEDULED", 0.01, 0.2, "SUCCEEDED");
        run("n2", 0, "RERUN", 3.5, 3.6, "SUCCEEDED");
        assertThat(check(JournalAudit.Fault.kill("n1", at(0.25))).violations())
                .singleElement().asString().startsWith("slot executed twice");
    }

    /**
     * A kill explains a re-run only after it: while the node lived, its session held the lock until
     * the outcome was recorded, so a re-run that started before the kill ran a slot that another
     * node had finished, whatever happened to that node later.
     */
    @Test
    void aReRunThatStartedBeforeTheKillIsNotExcusedByIt() {
        unrecorded("n1", 0, 0.01, 0.2);
        run("n2", 0, "RERUN", 0.5, 0.6, "SUCCEEDED");
        assertThat(check(JournalAudit.Fault.kill("n1", at(1.5))).violations())
                .as("the re-run started 1 s before n1 was killed").singleElement().asString()
                .startsWith("slot executed twice");
    }

    @Test
    void aSlotFinishedWhileCutOffMayBeReRunByTheOthersButOnlyAsARerun() {
        run("n3", 0, "SCHEDULED", 0.01, 0.2, "SUCCEEDED");
        JournalExecution rerun = run("n2", 0, "RERUN", 3.0, 3.1, "SUCCEEDED");

        assertThat(check().violations()).as("without the cut it is a second run").hasSize(1);
        assertThat(check(JournalAudit.Fault.cut("n3", at(0.1), at(3.5))).violations()).isEmpty();

        runs.remove(rerun);
        run("n2", 0, "SCHEDULED", 3.0, 3.1, "SUCCEEDED");
        assertThat(check(JournalAudit.Fault.cut("n3", at(0.1), at(3.5))).violations())
                .as("only the cluster's re-run of an unfinished slot is excused").hasSize(1);
    }

    @Test
    void aCutOffNodeStillRunsUntilItsEndSoAnOverlapIsCaught() {
        run("n3", 0, "SCHEDULED", 0.01, 2.5, "SUCCEEDED");
        run("n2", 1, "SCHEDULED", 1.01, 1.1, "SUCCEEDED");
        assertThat(check(JournalAudit.Fault.cut("n3", at(0.1), at(3.5))).violations())
                .anyMatch(v -> v.startsWith("overlap"));
    }

    @Test
    void aFrozenHolderThatRunsOnAfterWakingIsReportedWithHowLongItOverlappedTheOthers() {
        run("n1", 0, "SCHEDULED", 0.01, 2.8, "LEASE_LOST");
        run("n2", 1, "SCHEDULED", 1.01, 1.1, "SUCCEEDED");
        run("n2", 2, "SCHEDULED", 2.01, 2.5, "SUCCEEDED");
        run("n3", 3, "SCHEDULED", 3.01, 3.1, "SUCCEEDED");
        run("n3", 4, "SCHEDULED", 4.01, 4.1, "SUCCEEDED");

        JournalAudit.Report report = check(new JournalAudit.Fault("n1", at(0.1), at(2.2)));

        assertThat(report.violations()).as("asleep it ran nothing: the run during the freeze is no overlap").isEmpty();
        assertThat(report.missed()).isEmpty();
        assertThat(report.afterWake()).singleElement().satisfies(w -> {
            assertThat(w.worker()).isEqualTo("w");
            assertThat(w.node()).isEqualTo("n1");
            assertThat(w.ranOn()).isEqualTo(Duration.ofMillis(600));
            assertThat(w.overlap()).isEqualTo(Duration.ofMillis(300));
            assertThat(w.with()).containsExactly("n2@" + T0.plusSeconds(2));
        });
        assertThat(report.wakeOverlaps()).hasSize(1);
        assertThat(report.ok()).as("an overlap is never excused by the audit itself").isFalse();
    }

    @Test
    void aFrozenHolderThatStopsBeforeAnyoneElseRunsIsReportedWithoutOverlap() {
        run("n1", 0, "SCHEDULED", 0.01, 2.05, "LEASE_LOST");
        run("n2", 1, "SCHEDULED", 1.01, 1.1, "SUCCEEDED");
        run("n2", 2, "SCHEDULED", 2.1, 2.2, "SUCCEEDED");
        for (int s = 3; s <= 4; s++) {
            run("n2", s, "SCHEDULED", s + 0.01, s + 0.1, "SUCCEEDED");
        }

        JournalAudit.Report report = check(new JournalAudit.Fault("n1", at(0.1), at(2.0)));

        assertThat(report.afterWake()).singleElement().satisfies(w -> {
            assertThat(w.ranOn()).isEqualTo(Duration.ofMillis(50));
            assertThat(w.overlap()).isZero();
            assertThat(w.with()).isEmpty();
        });
        assertThat(report.ok()).isTrue();
    }

    @Test
    void aFrozenHolderStillRunningWhenAnotherStartedIsAnOverlapOfItsWholeRemainder() {
        run("n1", 0, "SCHEDULED", 0.01, 9.0, "SUCCEEDED");
        run("n2", 1, "SCHEDULED", 1.01, null, null);

        JournalAudit.Report report = check(new JournalAudit.Fault("n1", at(0.1), at(2.0)),
                JournalAudit.Fault.kill("n2", at(4.0)));

        assertThat(report.wakeOverlaps()).singleElement().satisfies(w -> {
            assertThat(w.ranOn()).isEqualTo(Duration.ofSeconds(7));
            assertThat(w.overlap()).as("from waking until n2 was killed").isEqualTo(Duration.ofSeconds(2));
        });
    }

    @Test
    void aSlotThatStartedLateAfterTheAuditedSpanRanAndAnyExecutionStillRunningThenIsNotJudged() {
        for (int s = 0; s <= 3; s++) {
            run("n1", s, "SCHEDULED", s + 0.01, s + 0.1, "SUCCEEDED");
        }
        run("n1", 4, "SCHEDULED", 4.7, null, null);

        JournalAudit.Report report = check();

        assertThat(report.missed()).as("slot 4 is due before 4.5 s and started at 4.7 s").isEmpty();
        assertThat(report.violations()).as("it started after the span: it may still run").isEmpty();
    }

    @Test
    void aSlotNobodyRanIsMissed() {
        run("n1", 0, "SCHEDULED", 0.01, 0.1, "SUCCEEDED");
        run("n1", 2, "SCHEDULED", 2.01, 2.1, "SUCCEEDED");
        assertThat(check().missed()).contains("w@" + T0.plusSeconds(1), "w@" + T0.plusSeconds(3));
    }

    @Test
    void anExecutionStillRunningIsNoViolationOneWithoutAnEndBeforeALaterRunIs() {
        for (int s = 0; s <= 3; s++) {
            run("n1", s, "SCHEDULED", s + 0.01, s + 0.1, "SUCCEEDED");
        }
        run("n2", 4, "SCHEDULED", 4.01, null, null);
        assertThat(check().violations()).as("the latest run may simply still run").isEmpty();

        run("n1", 5, "SCHEDULED", 5.01, 5.1, "SUCCEEDED");
        assertThat(check().violations()).anyMatch(v -> v.startsWith("execution never ended"));
    }
}
