package dev.baton.coordinator.internal;

import dev.baton.worker.FixedDelay;
import dev.baton.worker.FixedRate;
import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Which slot a node attempts next. Pure arithmetic on the cluster clock, so every node plans the
 * same slots from the same record.
 */
final class SlotPlanner {

    /** A slot later than this is a misfire; less is scheduler jitter or a short wait for a claim. */
    static final Duration MISFIRE_THRESHOLD = Duration.ofSeconds(1);
    /** While another node runs a fixed-delay worker, look at its record at least this often. */
    static final Duration RECHECK_LIMIT = Duration.ofSeconds(5);
    private static final int MAX_COUNTED = 100_000;

    private SlotPlanner() {
    }

    /**
     * The first slot for a worker this node has just added, given the cluster's record of it.
     * Empty if the schedule never fires again.
     */
    static Optional<Plan> initial(Schedule schedule, WorkerOptions options, Optional<WorkerRecord> record, Instant now) {
        Instant earliest = now.plus(options.initialDelay());
        if (schedule instanceof FixedDelay delay) {
            return Optional.of(fromRecord(delay, options, record, now, earliest));
        }
        Optional<Instant> lastSlot = record.flatMap(WorkerRecord::lastSlot);
        if (lastSlot.isEmpty()) {
            return atOrAfter(schedule, earliest).map(Plan::at);
        }
        Optional<Plan> next = after(schedule, options, lastSlot.get(), now);
        if (options.initialDelay().isPositive() && next.isPresent() && next.get().slot().isBefore(earliest)) {
            return atOrAfter(schedule, earliest).map(Plan::at);
        }
        return next;
    }

    /** The slot after {@code done} (a fixed-rate or cron slot that ran, was lost, or was passed over). */
    static Optional<Plan> after(Schedule schedule, WorkerOptions options, Instant done, Instant now) {
        Optional<Instant> fromNow = schedule.nextAfter(now);
        if (fromNow.isPresent() && done.isAfter(fromNow.get().plus(MISFIRE_THRESHOLD))) {
            // Written under a cluster clock that was ahead (it has since moved back): waiting for the
            // record's next slot would idle the worker that long; the claim of this one is rebased.
            return fromNow.map(Plan::at);
        }
        Optional<Instant> candidate = schedule.nextAfter(done);
        if (candidate.isEmpty() || candidate.get().isAfter(now)) {
            return candidate.map(Plan::at);
        }
        Instant first = candidate.get();
        Instant latest = schedule.latestAtOrBefore(now).filter(l -> !l.isBefore(first)).orElse(first);
        boolean skip = options.misfire() == MisfirePolicy.SKIP;
        if (skip && late(latest, now)) {
            long count = countBetween(schedule, first, latest) + 1;
            return schedule.nextAfter(now).map(next ->
                    Plan.at(next).withMisfire(new Plan.Misfire(first, latest, count, true)));
        }
        if (!latest.isAfter(first)) {
            // Only the current slot is due: late, not missed.
            return Optional.of(Plan.at(latest));
        }
        long missedBefore = countBetween(schedule, first, latest);
        if (skip) {
            Instant lastSkipped = schedule.latestAtOrBefore(latest.minusMillis(1)).orElse(first);
            return Optional.of(Plan.at(latest).withMisfire(new Plan.Misfire(first, lastSkipped, missedBefore, true)));
        }
        return Optional.of(Plan.at(latest).withMisfire(new Plan.Misfire(first, latest, missedBefore + 1, false)));
    }

    /**
     * The misfire to report with the run of {@code due}: its plan's own, from {@code passed} on if
     * earlier (a deferred slot its claim went past: a slot whose claim re-ran a crashed slot
     * instead, on a node that died before it ran it), by the misfire policy.
     */
    static Optional<Plan.Misfire> misfireOf(Schedule schedule, WorkerOptions options, Plan due,
                                            Optional<Instant> passed) {
        Instant own = due.misfire().map(Plan.Misfire::first).orElse(due.slot());
        if (passed.isEmpty() || !passed.get().isBefore(own)) {
            return due.misfire();
        }
        Instant first = passed.get();
        // The first slot counts itself, also one off the schedule's grid (written under an earlier schedule).
        Instant second = schedule.nextAfter(first).orElse(due.slot());
        long before = 1 + (second.isBefore(due.slot()) ? countBetween(schedule, second, due.slot()) : 0);
        if (options.misfire() == MisfirePolicy.SKIP) {
            Instant lastSkipped = schedule.latestAtOrBefore(due.slot().minusMillis(1)).filter(l -> !l.isBefore(
                    first)).orElse(first);
            return Optional.of(new Plan.Misfire(first, lastSkipped, before, true));
        }
        return Optional.of(new Plan.Misfire(first, due.slot(), before + 1, false));
    }

    /** A fixed-delay worker's next run as the record shows it (run by any node). */
    static Plan fromRecord(FixedDelay delay, WorkerOptions options, Optional<WorkerRecord> record, Instant now,
                           Instant earliest) {
        Optional<Instant> lastSlot = record.flatMap(WorkerRecord::lastSlot);
        if (lastSlot.isEmpty()) {
            return Plan.chained(millis(earliest), Optional.empty());
        }
        if (record.get().running() || record.get().lastFinishedAt().isEmpty()) {
            Duration wait = delay.delay().compareTo(RECHECK_LIMIT) < 0 ? delay.delay() : RECHECK_LIMIT;
            return Plan.recheckAt(millis(now).plus(wait), record.get().running() ? record.get().fencingToken() : 0);
        }
        return afterDelay(delay, options, lastSlot.get(), record.get().lastFinishedAt().get(), now, earliest);
    }

    /** The next run of a fixed-delay worker whose last run (slot {@code lastSlot}) finished at {@code finished}. */
    static Plan afterDelay(FixedDelay delay, WorkerOptions options, Instant lastSlot, Instant finished, Instant now,
                           Instant earliest) {
        // A completion stamped under a cluster clock that has since moved back counts as now, not in the future.
        Instant done = finished.isAfter(now) ? now : finished;
        Instant due = delay.nextAfter(done).orElseThrow();
        if (options.initialDelay().isPositive() && due.isBefore(earliest)) {
            due = millis(earliest);
        }
        if (options.misfire() == MisfirePolicy.SKIP && late(due, now)) {
            Instant next = millis(now).plus(delay.delay());
            return Plan.chained(next, Optional.of(lastSlot)).withMisfire(new Plan.Misfire(due, due, 1, true));
        }
        return Plan.chained(due, Optional.of(lastSlot));
    }

    private static boolean late(Instant slot, Instant now) {
        return Duration.between(slot, now).compareTo(MISFIRE_THRESHOLD) > 0;
    }

    /** Slots from {@code from} (inclusive) to {@code to} (exclusive). */
    private static long countBetween(Schedule schedule, Instant from, Instant to) {
        if (schedule instanceof FixedRate rate) {
            return (to.toEpochMilli() - from.toEpochMilli()) / rate.period().toMillis();
        }
        long count = 0;
        Instant t = from;
        while (t.isBefore(to) && count < MAX_COUNTED) {
            count++;
            t = schedule.nextAfter(t).orElse(to);
        }
        return count;
    }

    private static Optional<Instant> atOrAfter(Schedule schedule, Instant t) {
        return schedule.nextAfter(t.minusMillis(1));
    }

    private static Instant millis(Instant t) {
        return Instant.ofEpochMilli(t.toEpochMilli());
    }
}
