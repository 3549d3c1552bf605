package dev.baton.node.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.node.journal.JournalAudit;
import dev.baton.node.journal.JournalExecution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the audit of a cut Hazelcast made by itself must still catch. Since the merge keeps a
 * completion the cut-off node recorded on its own side (HighestFenceMergePolicy, eb04ac3), a slot
 * it finished while cut off is re-run only by a RERUN the majority claimed before the merge: a
 * re-run after the merge is the very defect eb04ac3 fixed, and an execution that ended before the
 * split was heard by everyone.
 */
class UnplannedCutAuditTest {

    private static final Map<String, String> ADDRESSES = Map.of("n1", "127.0.0.1", "n2", "127.0.0.2", "n3",
            "127.0.0.3");
    private static final long FENCE = 117713464919523328L;

    private final List<JournalExecution> runs = new ArrayList<>();

    private static String warn(String at, String node, String text) {
        return "2026-12-01T22:" + at + "Z WARN  [hz.baton-" + node + ".cached.thread-4] c.h.i.c.i.MembershipManager ["
                + ADDRESSES.get(node) + "]:5701 [fleet-19067] [5.7.0] " + text;
    }

    private static Instant at(String minuteSecond) {
        return Instant.parse("2026-12-01T22:" + minuteSecond + "Z");
    }

    private void run(String node, String slot, long fence, String kind, String start, String end) {
        runs.add(new JournalExecution("drill-0008", at(slot), fence, node, node + "-" + start, kind, at(start),
                Optional.of(at(end)), Optional.of("SUCCEEDED")));
    }

    /** The lines MembershipIT's kept run of 22:42 logged when Hazelcast split n3 off (as in FleetTest). */
    private static Map<String, List<String>> split(List<String> moreOnN3) {
        List<String> n3 = new ArrayList<>(moreOnN3);
        n3.addAll(List.of(warn("42:07.183", "n3", "Suspecting Member [127.0.0.1]:5701 - 8e11f5cf because it has not"
                        + " sent any heartbeats since 2026-12-01 22:42:02.143"),
                warn("42:12.364", "n3", "Member [127.0.0.1]:5701 - 8e11f5cf has left cluster!"),
                warn("42:16.354", "n3", "[127.0.0.3]:5701 is merging [tcp/ip] to [127.0.0.1]:5701"),
                warn("42:16.458", "n3", "[127.0.0.3]:5701 is merging to [127.0.0.1]:5701, because: instructed by"
                        + " master [127.0.0.3]:5701")));
        return Map.of(
                "n1", List.of(warn("42:12.000", "n1", "Suspecting Member [127.0.0.3]:5701 - 1fc90ee0 because it has"
                                + " not sent any heartbeats since 2026-12-01 22:42:06.994"),
                        warn("42:12.104", "n1", "Member [127.0.0.3]:5701 - 1fc90ee0 has left cluster!")),
                "n2", List.of(),
                "n3", n3);
    }

    private JournalAudit.Report audit(Map<String, List<String>> warnings) {
        JournalAudit audit = JournalAudit.of(runs);
        Fleet.unplannedCuts(ADDRESSES, warnings).forEach(audit::fault);
        return audit.check("drill-", null, null, null, List.of());
    }

    /**
     * The kept run itself: n3 ran slot 22:42:12 to SUCCEEDED while cut off, two seconds before it
     * merged back (alone on its side, it recorded the outcome on its own copy); n2 re-ran the slot
     * at 22:42:18.4, two seconds after the merge. That is the defect eb04ac3 fixed; the audit must
     * keep reporting it, or a regression of the merge policy passes MembershipIT unseen.
     */
    @Test
    void aReRunAfterTheMergeOfASlotFinishedWhileCutOffIsStillASlotExecutedTwice() {
        run("n3", "42:12", FENCE, "SCHEDULED", "42:12.402", "42:14.262");
        run("n2", "42:12", FENCE + 40_000_000L, "RERUN", "42:18.400", "42:18.520");

        JournalAudit.Report report = audit(split(List.of()));

        assertThat(report.violations()).as("re-runs excused: %s", report.reruns()).singleElement().asString()
                .startsWith("slot executed twice");
    }

    /**
     * When n3 could not record the outcome on its side (its copy lacked the claim), the majority saw
     * the slot unfinished: re-running it, before or after the merge, is the contract.
     */
    @Test
    void aReRunOfAnOutcomeTheCutOffNodeCouldNotRecordIsExcusedAfterTheMerge() {
        run("n3", "42:12", FENCE, "SCHEDULED", "42:12.402", "42:14.262");
        run("n2", "42:12", FENCE + 40_000_000L, "RERUN", "42:18.400", "42:18.520");
        JournalAudit audit = JournalAudit.of(runs).unrecorded(Set.of("n3-42:12.402"));
        Fleet.unplannedCuts(ADDRESSES, split(List.of())).forEach(audit::fault);

        JournalAudit.Report report = audit.check("drill-", null, null, null, List.of());

        assertThat(report.violations()).isEmpty();
        assertThat(report.reruns()).singleElement().asString().contains("finished it while cut off");
    }

    /**
     * n3 logged a graceful leave of n5 (scaled down) 20 s before Hazelcast split it off. Its run of
     * slot 22:41:55 ended, and was recorded, on the whole cluster before any suspicion; a second run
     * of that slot is a plain double execution, not something a cut explains.
     */
    @Test
    void aWarningAboutAnotherMembersLeaveDoesNotStretchTheCutBackwards() {
        run("n3", "41:55", FENCE, "SCHEDULED", "41:55.010", "41:55.180");
        run("n1", "41:55", FENCE + 40_000_000L, "RERUN", "41:58.000", "41:58.100");
        Map<String, List<String>> warnings = split(List.of(
                warn("41:50.300", "n3", "Member [127.0.0.5]:5701 - 8ae3092b has left cluster!")));

        assertThat(Fleet.unplannedCuts(ADDRESSES, warnings)).containsExactly(JournalAudit.Fault.splitByHazelcast("n3",
                at("42:07.183"), at("42:16.354")));
        assertThat(audit(warnings).violations()).singleElement().asString().startsWith("slot executed twice");
    }
}
