package dev.baton.node.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks Baton's promises against the execution journals of a fleet: no slot executed twice
 * (except a slot whose execution did not finish, re-run), no two executions of a worker
 * overlapping in time, fencing tokens strictly increasing in start order, no slot missed
 * outside the fail-over windows. Faults injected by a test are declared so that a killed
 * node's open executions end at the kill, and a frozen node's at the freeze.
 */
public final class JournalAudit {

    /**
     * A node killed at an instant, frozen from one instant to another, or cut off from the others
     * (it runs on, but what it reports may not reach them).
     */
    public record Fault(String node, Instant from, Instant to, boolean cut) {
        /** A freeze from {@code from} to {@code to}, or a kill when they are equal. */
        public Fault(String node, Instant from, Instant to) {
            this(node, from, to, false);
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

    /** What the audit found; {@link #violations()} is empty when every promise held. */
    public record Report(int executions, List<String> violations, List<String> reruns, List<String> missed) {
        public boolean ok() {
            return violations.isEmpty() && missed.isEmpty();
        }

        @Override
        public String toString() {
            return executions + " executions, " + violations.size() + " violations " + violations + ", "
                    + reruns.size() + " re-runs of unfinished slots, " + missed.size() + " missed slots " + missed;
        }
    }

    /** How long after a frozen node wakes up it may take to notice its lost lease and stop. */
    private static final Duration WAKE_TO_STOP = Duration.ofSeconds(3);

    private final List<JournalExecution> executions;
    private final List<Fault> faults = new ArrayList<>();

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

    public List<JournalExecution> executions() {
        return executions;
    }

    /**
     * Audits the executions that started before {@code to} (later ones may still run). The
     * slots of the fixed-rate workers whose names start with {@code periodicPrefix}, every
     * {@code period} between {@code from} and {@code to}, must all have run, except those in the
     * {@code gaps} allowed for fail-over.
     */
    public Report check(String periodicPrefix, Duration period, Instant from, Instant to, List<Fault> gaps) {
        List<String> violations = new ArrayList<>();
        List<String> reruns = new ArrayList<>();
        Map<String, List<JournalExecution>> byWorker = executions.stream()
                .filter(e -> to == null || e.start().isBefore(to))
                .collect(Collectors.groupingBy(JournalExecution::worker, TreeMap::new, Collectors.toList()));
        byWorker.forEach((worker, runs) -> {
            runs.sort(Comparator.comparing(JournalExecution::start));
            checkSlots(worker, runs, violations, reruns, faults);
            checkOverlapAndFences(worker, runs, violations);
        });
        List<String> missed = new ArrayList<>();
        if (period != null) {
            byWorker.forEach((worker, runs) -> {
                if (worker.startsWith(periodicPrefix)) {
                    missed.addAll(missedSlots(worker, runs, period, from, to, gaps));
                }
            });
        }
        return new Report(executions.size(), violations, reruns, missed);
    }

    private static void checkSlots(String worker, List<JournalExecution> runs, List<String> violations,
                                   List<String> reruns, List<Fault> faults) {
        Map<Instant, List<JournalExecution>> bySlot = runs.stream()
                .collect(Collectors.groupingBy(JournalExecution::slot, TreeMap::new, Collectors.toList()));
        bySlot.forEach((slot, same) -> {
            for (int i = 1; i < same.size(); i++) {
                JournalExecution earlier = same.get(i - 1);
                JournalExecution later = same.get(i);
                if (earlier.leftSlotOpen()) {
                    reruns.add(worker + "@" + slot + " re-run on " + later.node() + " after "
                            + earlier.outcome().orElse("a crash") + " on " + earlier.node());
                } else if (later.kind().equals("RERUN") && unheardEnd(earlier, faults)) {
                    reruns.add(worker + "@" + slot + " re-run on " + later.node() + ": " + earlier.node()
                            + " finished it while cut off or frozen, and the others never heard");
                } else {
                    violations.add("slot executed twice: " + worker + "@" + slot + " on " + earlier.node() + " ("
                            + earlier.outcome().orElse("?") + ") and " + same.get(i).node());
                }
            }
        });
    }

    /** Whether the execution ended while its node was frozen or cut off, so that its outcome may never have been recorded. */
    private static boolean unheardEnd(JournalExecution run, List<Fault> faults) {
        Instant end = run.end().orElse(run.start());
        return faults.stream().anyMatch(f -> f.node().equals(run.node()) && !f.isKill()
                && !end.isBefore(f.from().minus(RECORDING)) && !end.isAfter(f.to()));
    }

    private void checkOverlapAndFences(String worker, List<JournalExecution> runs, List<String> violations) {
        Instant busyUntil = Instant.MIN;
        JournalExecution busyWith = null;
        long lastFence = Long.MIN_VALUE;
        for (JournalExecution run : runs) {
            if (run.start().isBefore(busyUntil)) {
                violations.add("overlap: " + worker + " started on " + run.node() + " at " + run.start() + " while "
                        + busyWith.node() + " ran it until " + busyUntil);
            }
            if (run.fence() <= lastFence) {
                violations.add("fence not increasing: " + worker + " on " + run.node() + " at " + run.start()
                        + " has " + run.fence() + " after " + lastFence);
            }
            lastFence = Math.max(lastFence, run.fence());
            Optional<Instant> end = effectiveEnd(run, violations);
            if (end.isPresent() && end.get().isAfter(busyUntil)) {
                busyUntil = end.get();
                busyWith = run;
            }
        }
    }

    /** When the execution stopped running: its end line, or the kill, or the start of the freeze it slept through. */
    private Optional<Instant> effectiveEnd(JournalExecution run, List<String> violations) {
        for (Fault f : faults) {
            // A node cut off runs on: its executions end when its journal says.
            if (f.cut() || !f.node().equals(run.node()) || run.start().isAfter(f.from())) {
                continue;
            }
            boolean kill = f.isKill();
            if (kill && run.end().isEmpty()) {
                return Optional.of(f.from());
            }
            if (!kill && run.end().isPresent() && run.end().get().isAfter(f.from())) {
                if (run.end().get().isAfter(f.to().plus(WAKE_TO_STOP))) {
                    violations.add("frozen holder kept running after it woke: " + run.worker() + " on " + run.node()
                            + " ended at " + run.end().get() + ", woke at " + f.to());
                }
                return Optional.of(f.from());
            }
        }
        if (run.end().isEmpty()) {
            violations.add("execution never ended and its node was not killed: " + run.worker() + "@" + run.slot()
                    + " on " + run.node());
        }
        return run.end();
    }

    private static List<String> missedSlots(String worker, List<JournalExecution> runs, Duration period, Instant from,
                                            Instant to, List<Fault> gaps) {
        Map<Instant, Boolean> ran = new HashMap<>();
        runs.forEach(r -> ran.put(r.slot(), true));
        List<String> missed = new ArrayList<>();
        long p = period.toMillis();
        for (long t = Math.floorDiv(from.toEpochMilli(), p) * p + p; t <= to.toEpochMilli(); t += p) {
            Instant slot = Instant.ofEpochMilli(t);
            boolean excused = gaps.stream().anyMatch(g -> !slot.isBefore(g.from()) && !slot.isAfter(g.to()));
            if (!ran.containsKey(slot) && !excused) {
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
