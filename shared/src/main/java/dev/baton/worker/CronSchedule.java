package dev.baton.worker;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A cron schedule in a named {@link CronDialect}: Unix (five fields) unless the caller names Quartz
 * or Spring; the dialect is never guessed from the number of fields. Create it with
 * {@link Schedule#cron(String, ZoneId)} or {@link Schedule#cron(String, ZoneId, CronDialect)}.
 * Evaluated in the given zone: a wall-clock time that a daylight-saving change skips is not run
 * that day, and one that a change repeats runs once.
 */
public final class CronSchedule implements Schedule {

    private final String expression;
    private final ZoneId zone;
    private final CronDialect dialect;
    private final ExecutionTime executionTime;

    private CronSchedule(String expression, ZoneId zone, CronDialect dialect, ExecutionTime executionTime) {
        this.expression = expression;
        this.zone = zone;
        this.dialect = dialect;
        this.executionTime = executionTime;
    }

    static CronSchedule parse(String expression, ZoneId zone, CronDialect dialect) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(dialect, "dialect");
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron expression is blank; " + form(dialect));
        }
        String trimmed = expression.trim().replaceAll("\\s+", " ");
        int fields = trimmed.split(" ").length;
        boolean fits = switch (dialect) {
            case UNIX -> fields == 5;
            case QUARTZ -> fields == 6 || fields == 7;
            case SPRING -> fields == 6;
        };
        if (!fits) {
            throw new IllegalArgumentException("cron expression '" + expression + "' has " + fields + " fields; "
                    + form(dialect) + hint(dialect, fields));
        }
        Cron cron;
        try {
            cron = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type(dialect))).parse(trimmed);
            cron.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + dialect + " cron expression '" + expression + "' ("
                    + e.getMessage() + "); " + form(dialect), e);
        }
        CronSchedule schedule = new CronSchedule(trimmed, zone, dialect, ExecutionTime.forCron(cron));
        if (schedule.nextAfter(Instant.now()).isEmpty()) {
            throw new IllegalArgumentException("cron expression '" + expression
                    + "' never fires after now; check the day-of-month, month and year fields");
        }
        return schedule;
    }

    private static CronType type(CronDialect dialect) {
        return switch (dialect) {
            case UNIX -> CronType.UNIX;
            case QUARTZ -> CronType.QUARTZ;
            case SPRING -> CronType.SPRING53;
        };
    }

    private static String form(CronDialect dialect) {
        return switch (dialect) {
            case UNIX -> "a Unix cron has 5 fields: minute hour day-of-month month day-of-week, e.g. '*/10 * * * *'";
            case QUARTZ -> "a Quartz cron has 6 or 7 fields: second minute hour day-of-month month day-of-week"
                    + " [year], e.g. '0 0/10 * * * ?'";
            case SPRING -> "a Spring cron has 6 fields: second minute hour day-of-month month day-of-week,"
                    + " e.g. '0 */10 * * * *'";
        };
    }

    private static String hint(CronDialect dialect, int fields) {
        if (dialect == CronDialect.UNIX && (fields == 6 || fields == 7)) {
            return ". If it is a Quartz or Spring expression with seconds, name its dialect:"
                    + " Schedule.cron(expression, zone, CronDialect.QUARTZ) or CronDialect.SPRING"
                    + " (they number the weekdays differently, so Baton does not guess)";
        }
        if (dialect != CronDialect.UNIX && fields == 5) {
            return ". A five-field expression is Unix cron: Schedule.cron(expression, zone)";
        }
        return "";
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    public CronDialect dialect() {
        return dialect;
    }

    @Override
    public Optional<Instant> nextAfter(Instant reference) {
        // The parser carries the reference's fraction of a second into the result; slots are whole seconds.
        return executionTime.nextExecution(ZonedDateTime.ofInstant(wholeSeconds(reference), zone))
                .map(ZonedDateTime::toInstant);
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant now) {
        // lastExecution is strictly before; a slot exactly at now is the latest one.
        Optional<Instant> previous = executionTime.lastExecution(ZonedDateTime.ofInstant(wholeSeconds(now), zone))
                .map(ZonedDateTime::toInstant);
        Optional<Instant> atNow = previous.flatMap(this::nextAfter).filter(next -> !next.isAfter(now));
        return atNow.or(() -> previous);
    }

    private static Instant wholeSeconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS);
    }

    @Override
    public String describe() {
        return "cron(" + expression + ", " + zone + (dialect == CronDialect.UNIX ? "" : ", " + dialect) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronSchedule other && expression.equals(other.expression) && zone.equals(other.zone)
                && dialect == other.dialect;
    }

    @Override
    public int hashCode() {
        return Objects.hash(expression, zone, dialect);
    }

    @Override
    public String toString() {
        return describe();
    }
}
