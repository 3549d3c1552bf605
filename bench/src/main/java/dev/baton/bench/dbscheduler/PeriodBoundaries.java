package dev.baton.bench.dbscheduler;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;

/**
 * A fixed rate aligned to the period, as a db-scheduler {@link Schedule}: the next execution is the
 * first period boundary after the last one finished (slots missed meanwhile are skipped, as with
 * any of db-scheduler's schedules). Its cron schedule would be the stock way, but for a period of
 * seconds it drifts: cron-utils keeps the sub-second part of the completion time, so
 * {@code "* * * * * *"} makes the next run one second after the last one ended, not on the second.
 */
record PeriodBoundaries(Duration period) implements Schedule {

    PeriodBoundaries {
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("PERIOD_MS must be at least 1, got " + period.toMillis());
        }
    }

    @Override
    public Instant getNextExecutionTime(ExecutionComplete complete) {
        long periodMs = period.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(complete.getTimeDone().toEpochMilli(), periodMs) * periodMs + periodMs);
    }

    @Override
    public boolean isDeterministic() {
        return true;
    }
}
