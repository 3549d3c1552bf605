package dev.baton.worker;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A cron schedule. Accepted forms, told apart by the number of fields:
 * <ul>
 *   <li>5 fields, Unix: {@code minute hour day-of-month month day-of-week}, e.g. {@code 0,30 * * * *};</li>
 *   <li>6 fields, Quartz or Spring: {@code second minute hour day-of-month month day-of-week},
 *       e.g. {@code 0 0/10 * * * ?} (Quartz) or {@code 0 0/10 * * * *} (Spring);</li>
 *   <li>7 fields, Quartz with a year.</li>
 * </ul>
 * Evaluated in the given zone: a wall-clock time that a daylight-saving change skips is not run
 * that day, and one that a change repeats runs once.
 */
public final class CronSchedule implements Schedule {

    private static final String FORMS = "use 5 fields (Unix: minute hour day-of-month month day-of-week,"
            + " e.g. '*/10 * * * *') or 6-7 fields (Quartz: second minute hour day-of-month month"
            + " day-of-week [year], e.g. '0 0/10 * * * ?')";

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime executionTime;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime executionTime) {
        this.expression = expression;
        this.zone = zone;
        this.executionTime = executionTime;
    }

    static CronSchedule parse(String expression, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron expression is blank; " + FORMS);
        }
        String trimmed = expression.trim().replaceAll("\\s+", " ");
        int fields = trimmed.split(" ").length;
        List<CronType> candidates = switch (fields) {
            case 5 -> List.of(CronType.UNIX);
            case 6 -> List.of(CronType.QUARTZ, CronType.SPRING);
            case 7 -> List.of(CronType.QUARTZ);
            default -> throw new IllegalArgumentException("cron expression '" + expression + "' has "
                    + fields + " fields; " + FORMS);
        };
        List<String> problems = new ArrayList<>();
        for (CronType type : candidates) {
            try {
                Cron cron = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type)).parse(trimmed);
                cron.validate();
                CronSchedule schedule = new CronSchedule(trimmed, zone, ExecutionTime.forCron(cron));
                if (schedule.nextAfter(Instant.now()).isEmpty()) {
                    throw new IllegalArgumentException("cron expression '" + expression
                            + "' never fires after now; check the day-of-month, month and year fields");
                }
                return schedule;
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().contains("never fires")) {
                    throw e;
                }
                problems.add(type + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("invalid cron expression '" + expression + "' (" + String.join("; ", problems)
                + "); " + FORMS);
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    @Override
    public Optional<Instant> nextAfter(Instant reference) {
        return executionTime.nextExecution(ZonedDateTime.ofInstant(reference, zone)).map(ZonedDateTime::toInstant);
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant now) {
        // lastExecution is strictly before; a slot exactly at now is the latest one.
        Optional<Instant> previous = executionTime.lastExecution(ZonedDateTime.ofInstant(now, zone))
                .map(ZonedDateTime::toInstant);
        Optional<Instant> atNow = previous.flatMap(this::nextAfter).filter(next -> !next.isAfter(now));
        return atNow.or(() -> previous);
    }

    @Override
    public String describe() {
        return "cron(" + expression + ", " + zone + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronSchedule other && expression.equals(other.expression) && zone.equals(other.zone);
    }

    @Override
    public int hashCode() {
        return Objects.hash(expression, zone);
    }

    @Override
    public String toString() {
        return describe();
    }
}
