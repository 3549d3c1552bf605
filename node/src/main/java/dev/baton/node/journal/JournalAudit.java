package dev.baton.node.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks Baton's promises against the execution journals of a fleet: no slot executed twice
 * (except a slot whose execution did not finish, re-run), no two executions of a worker
 * overlapping in time, fencing tokens strictly increasing in start order, no slot missed
 * outside the fail-over windows. Faults injected by a test are declared so that a killed
 * node's open executions end at the kill. An execution frozen with its node runs again when the
 * node wakes until it notices its lost lease: that time, and how long it overlapped the worker's
 * runs elsewhere, is reported (never excused here), so that each test decides what it allows.
 */
public final class JournalAudit {

    /**
     * A node killed at an instant, frozen from one instant to another, or cut off from the others
     * (it runs on, but what it reports may not reach them).
     */
    public record Fault(String node, Instant from, Instant to, boolean cut, boolean healedByMerge) {
        /** A freeze from {@code from} to {@code to}, or a kill when they are equal. */
        public Fault(String node, Instant from, Instant to) {
            this(node, from, to, false, false);
        }

        public Fault(String node, Instant from, Instant to, boolean cut) {
            this(node, from, to, cut, false);
        }

        /**
         * A cut nobody made: Hazelcast removed the member (its heartbeats were late) at {@code from}
         * and merged it back by {@code merged}. What it recorded on its side survives the merge, so
         * only a re-run before then (or of a run it could not record) is explained by the cut.
         */
        public static Fault splitByHazelcast(String node, Instant from, Instant merged) {
            return new Fault(node, from, merged, true, true);
        }

        public static Fault kill(String node, Instant at) {
            return new Fault(node, at, at);
        }

        public static Fault cut(String node, Instant from, Instant to) {
            return new Fault(node, from, to, true);
        }

        boolean isKill() {
            return !cut && from.equals(to);
        }
    }

    /**
     * How long before a freeze or a cut a finished execution may still have been recording its
     * outcome (an entry processor waits up to the backup timeout).
     */
    private static final Duration RECORDING = Duration.ofSeconds(2);
    /** How long after a merge a re-run the majority claimed just before it may still start. */
    private static final Duration MERGE_APPLIED = Duration.ofSeconds(1);

    /**
     * An execution that was running when its node froze and ended after the node woke.
     *
     * @param ranOn   how long it ran after the node woke, until its end line
     * @param overlap how much of that time other executions of the worker ran too (zero if none did)
     * @param with    those other executions, as {@code node@slot}
     */
    public record AfterWake(String worker, String node, Instant woke, Duration ranOn, Duration overlap,
                            List<String> with) {
        @Override
        public String toString() {
            return worker + " on " + node + " ran " + ranOn.toMillis() + " ms after waking at " + woke
                    + (with.isEmpty() ? "" : ", overlapping " + with + " for " + overlap.toMillis() + " ms");
        }
    }

    /**
     * What the audit found; {@link #ok()} when every promise held: no violation, no missed slot,
     * and no woken execution overlapping another.
     */
    public record Report(int executions, List<String> violations, List<String> reruns, List<String> missed,
                         List<AfterWake> afterWake) {
        public boolean ok() {
            return violations.isEmpty() && missed.isEmpty() && wakeOverlaps().isEmpty();
        }

        /** The woken executions that overlapped another execution of their worker. */
        public List<AfterWake> wakeOverlaps() {
            return afterWake.stream().filter(w -> !w.with().isEmpty()).toList();
        }

        @Override
        public String toString() {
            return executions + " executions, " + violations.size() + " violations " + violations + ", "
                    + reruns.size() + " re-runs of unfinished slots, " + missed.size() + " missed slots " + missed
                    + (afterWake.isEmpty() ? "" : ", after waking: " + afterWake);
        }
    }

    private final List<JournalExecution> executions;
    private final List<Fault> faults = new ArrayList<>();
    private final Set<String> unrecorded = new HashSet<>();

    private JournalAudit(List<JournalExecution> executions) {
        this.executions = executions;
    }

    public static JournalAudit of(List<JournalExecution> executions) {
        return new JournalAudit(executions);
    }

    public static JournalAudit of(List<Path> journals, List<Fault> faults) {
        JournalAudit audit = new JournalAudit(JournalReader.read(journals));
        audit.faults.addAll(faults);
        return audit;
    }

    public JournalAudit fault(Fault fault) {
        faults.add(fault);
        return this;
    }

    /** Executions whose node logged that their outcome could not be recorded (the cluster saw them unfinished). */
    public JournalAudit unrecorded(Set<String> executionIds) {
        unrecorded.addAll(executionIds);
        return this;
    }

    public List<JournalExecution> executions() {
        return executions;
    }

    /**
     * Audits the executions that started before {@code to} (later ones may still run). The
     * slots of the fixed-rate workers whose names start with {@code periodicPrefix}, every
     * {@code period} between {@code from} and {@code to}, must all have run, except those in the
     * {@code gaps} allowed for fail-over; a slot that started late, after {@code to}, ran.
     */
    public Report check(String periodicPrefix, Duration period, Instant from, Instant to, List<Fault> gaps) {
        List<String> violations = new ArrayList<>();
        List<String> reruns = new ArrayList<>();
        List<AfterWake> afterWake = new ArrayList<>();
        Map<String, List<JournalExecution>> byWorker = executions.stream()
                .filter(e -> to == null || e.start().isBefore(to))
                .collect(Collectors.groupingBy(JournalExecution::worker, TreeMap::new, Collectors.toList()));
        byWorker.forEach((worker, runs) -> {
            runs.sort(Comparator.comparing(JournalExecution::start));
            checkSlots(worker, runs, violations, reruns);
            checkOverlapAndFences(worker, runs, violations);
            afterWake.addAll(afterWake(runs));
        });
        List<String> missed = new ArrayList<>();
        if (period != null) {
            Map<String, Set<Instant>> ran = executions.stream().collect(Collectors.groupingBy(JournalExecution::worker,
                    TreeMap::new, Collectors.mapping(JournalExecution::slot, Collectors.toSet())));
            ran.forEach((worker, slots) -> {
                if (worker.startsWith(periodicPrefix)) {
                    missed.addAll(missedSlots(worker, slots, period, from, to, gaps));
                }
            });
        }
        return new Report(executions.size(), violations, reruns, missed, afterWake);
    }

    private void checkSlots(String worker, List<JournalExecution> runs, List<String> violations,
                            List<String> reruns) {
        Map<Instant, List<JournalExecution>> bySlot = runs.stream()
                .collect(Collectors.groupingBy(JournalExecution::slot, TreeMap::new, Collectors.toList()));
        bySlot.forEach((slot, same) -> {
            for (int i = 1; i < same.size(); i++) {
                JournalExecution earlier = same.get(i - 1);
                JournalExecution later = same.get(i);
                if (earlier.leftSlotOpen()) {
                    reruns.add(worker + "@" + slot + " re-run on " + later.node() + " after "
                            + earlier.outcome().orElse("a crash") + " on " + earlier.node());
                } else if (later.kind().equals("RERUN") && unheardEnd(earlier, later)) {
                    reruns.add(worker + "@" + slot + " re-run on " + later.node() + ": " + earlier.node()
                            + " finished it while cut off, frozen or dying, and the others never heard");
                } else {
                    violations.add("slot executed twice: " + worker + "@" + slot + " on " + describe(earlier)
                            + " and on " + describe(later));
                }
            }
        });
    }

    /** Enough of one execution to tell from a failed run's report alone how the second one came about. */
    private static String describe(JournalExecution run) {
        return run.node() + " (" + run.kind() + ", fence " + run.fence() + ", " + run.start()
                + run.end().map(e -> " to " + e).orElse("") + ", " + run.outcome().orElse("no end") + ")";
    }

    /**
     * Whether the execution ended while its node was frozen or cut off, or shortly before it was
     * killed before it could record the outcome (the end line is written first), so that the cluster
     * may never have heard of it.
     */
    private boolean unheardEnd(JournalExecution run, JournalExecution rerun) {
        Instant end = run.end().orElse(run.start());
        return faults.stream().anyMatch(f -> f.node().equals(run.node())
                && (!f.isKill() || !run.recorded() && rerun.start().isAfter(f.from()))
                && !end.isBefore(f.from().minus(RECORDING)) && !end.isAfter(f.to())
                && (!f.healedByMerge() || !rerun.start().isAfter(f.to().plus(MERGE_APPLIED))
                        || unrecorded.contains(run.executionId())));
    }

    private void checkOverlapAndFences(String worker, List<JournalExecution> runs, List<String> violations) {
        Instant busyUntil = Instant.MIN;
        JournalExecution busyWith = null;
        long lastFence = Long.MIN_VALUE;
        JournalExecution lastFenced = null;
        for (JournalExecution run : runs) {
            if (run.start().isBefore(busyUntil)) {
                violations.add("overlap: " + worker + " started on " + run.node() + " at " + run.start() + " while "
                        + busyWith.node() + " ran it until " + busyUntil);
            }
            if (run.fence() <= lastFence) {
                violations.add("fence not increasing: " + worker + " on " + run.node() + " at " + run.start()
                        + " has " + run.fence() + " after " + lastFence + ": slot " + run.slot() + " "
                        + describe(run) + " after slot " + lastFenced.slot() + " " + describe(lastFenced));
            }
            if (run.fence() > lastFence) {
                lastFence = run.fence();
                lastFenced = run;
            }
            Optional<Instant> end = effectiveEnd(run, isLatest(run), violations);
            if (end.isPresent() && end.get().isAfter(busyUntil)) {
                busyUntil = end.get();
                busyWith = run;
            }
        }
    }

    /** Whether no later execution of the worker appears in the journals at all: it may simply still run. */
    private boolean isLatest(JournalExecution run) {
        return executions.stream().noneMatch(e -> e.worker().equals(run.worker()) && e.start().isAfter(run.start()));
    }

    /**
     * When the execution stopped running: its end line, or the kill, or the start of the freeze it
     * slept through (what it did after waking is measured by {@link #afterWake}).
     */
    private Optional<Instant> effectiveEnd(JournalExecution run, boolean latest, List<String> violations) {
        Optional<Fault> freeze = freezeSleptThrough(run);
        if (freeze.isPresent()) {
            return Optional.of(freeze.get().from());
        }
        Optional<Instant> killed = killedAt(run);
        if (killed.isPresent()) {
            return killed;
        }
        if (run.end().isEmpty() && !latest) {
            violations.add("execution never ended and its node was not killed: " + run.worker() + "@" + run.slot()
                    + " on " + run.node());
        }
        return run.end();
    }

    /** When the execution's node was killed while it ran without writing its end line, if it was. */
    private Optional<Instant> killedAt(JournalExecution run) {
        return faults.stream().filter(f -> f.isKill() && f.node().equals(run.node()) && !run.start().isAfter(f.from())
                && run.end().isEmpty()).map(Fault::from).findFirst();
    }

    /** The freeze of the execution's node that it was running into and ended after, if any. */
    private Optional<Fault> freezeSleptThrough(JournalExecution run) {
        // A node cut off runs on: its executions end when its journal says.
        return faults.stream().filter(f -> !f.cut() && !f.isKill() && f.node().equals(run.node())
                && !run.start().isAfter(f.from()) && run.end().isPresent() && run.end().get().isAfter(f.from()))
                .findFirst();
    }

    /** For each execution frozen with its node: how long it ran after waking, and whom it overlapped then. */
    private List<AfterWake> afterWake(List<JournalExecution> runs) {
        List<AfterWake> found = new ArrayList<>();
        for (JournalExecution run : runs) {
            Optional<Fault> freeze = freezeSleptThrough(run);
            if (freeze.isEmpty()) {
                continue;
            }
            Instant woke = freeze.get().to();
            Instant end = run.end().orElseThrow();
            Duration ranOn = end.isAfter(woke) ? Duration.between(woke, end) : Duration.ZERO;
            Duration overlap = Duration.ZERO;
            List<String> with = new ArrayList<>();
            for (JournalExecution other : runs) {
                Instant from = max(woke, other.start());
                // An execution without an end line ran until its node was killed, or still runs.
                Instant to = min(end, other.end().or(() -> killedAt(other)).orElse(Instant.MAX));
                if (other != run && from.isBefore(to)) {
                    overlap = overlap.plus(Duration.between(from, to));
                    with.add(other.node() + "@" + other.slot());
                }
            }
            found.add(new AfterWake(run.worker(), run.node(), woke, ranOn, overlap, with));
        }
        return found;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static List<String> missedSlots(String worker, Set<Instant> ran, Duration period, Instant from,
                                            Instant to, List<Fault> gaps) {
        List<String> missed = new ArrayList<>();
        long p = period.toMillis();
        for (long t = Math.floorDiv(from.toEpochMilli(), p) * p + p; t <= to.toEpochMilli(); t += p) {
            Instant slot = Instant.ofEpochMilli(t);
            boolean excused = gaps.stream().anyMatch(g -> !slot.isBefore(g.from()) && !slot.isAfter(g.to()));
            if (!ran.contains(slot) && !excused) {
                missed.add(worker + "@" + slot);
            }
        }
        return missed;
    }

    /** {@code java -cp baton-node.jar dev.baton.node.journal.JournalAudit journal...}: audits journals, exit 1 on violations. */
    public static void main(String[] args) {
        List<Path> journals = java.util.Arrays.stream(args).map(Path::of).toList();
        Report report = of(journals, List.of()).check("", null, null, null, List.of());
        org.slf4j.LoggerFactory.getLogger(JournalAudit.class).info("{}", report);
        System.exit(report.ok() ? 0 : 1);
    }
}
