package dev.baton.node.fleet;

import dev.baton.node.journal.JournalExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How long each worker of a faulted node was gone: from the fault to its next start elsewhere. */
public record FailoverFigures(List<Duration> idle, List<Duration> running, List<String> notResumed) {

    public static FailoverFigures measure(Fleet fleet, String node, Instant fault) {
        Map<String, String> holders = fleet.holdersAt(fault);
        List<JournalExecution> executions = fleet.executions();
        List<Duration> idle = new ArrayList<>();
        List<Duration> running = new ArrayList<>();
        List<String> notResumed = new ArrayList<>();
        holders.forEach((worker, holder) -> {
            if (!holder.equals(node) || !worker.startsWith("drill-")) {
                return;
            }
            Optional<JournalExecution> next = executions.stream()
                    .filter(e -> e.worker().equals(worker) && e.start().isAfter(fault) && !e.node().equals(node))
                    .findFirst();
            if (next.isEmpty()) {
                notResumed.add(worker);
                return;
            }
            boolean wasRunning = executions.stream().anyMatch(e -> e.worker().equals(worker) && e.node().equals(node)
                    && e.start().isBefore(fault) && (e.end().isEmpty() || !e.recorded() || e.end().get().isAfter(fault)));
            (wasRunning ? running : idle).add(Duration.between(fault, next.get().start()));
        });
        idle.sort(null);
        running.sort(null);
        return new FailoverFigures(idle, running, notResumed);
    }

    public Optional<Duration> maxIdle() {
        return idle.isEmpty() ? Optional.empty() : Optional.of(idle.getLast());
    }

    public Optional<Duration> maxRunning() {
        return running.isEmpty() ? Optional.empty() : Optional.of(running.getLast());
    }

    @Override
    public String toString() {
        return "idle workers back after " + millis(idle) + ", running ones after " + millis(running)
                + (notResumed.isEmpty() ? "" : ", not resumed: " + notResumed);
    }

    private static List<Long> millis(List<Duration> ds) {
        return ds.stream().map(Duration::toMillis).toList();
    }
}
