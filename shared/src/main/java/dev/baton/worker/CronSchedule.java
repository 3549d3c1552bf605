package dev.baton.worker;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

    /** How far back from a reference {@link #anchor} looks for a slot on the chain, in turn. */
    private static final List<Duration> ANCHOR_STEPS = List.of(Duration.ZERO, Duration.ofHours(1), Duration.ofDays(1),
            Duration.ofDays(8), Duration.ofDays(32), Duration.ofDays(367));

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

    /*
     * The slots are the chain of cron-utils' nextExecution from one slot to the next: a repeated
     * wall-clock time runs once, and a schedule with a wildcard hour runs in both passes of a repeated
     * hour. Asked from an instant that is not a slot, cron-utils can answer off that chain near a
     * daylight-saving change (from inside a repeated hour, nextExecution gives the second 02:30 of a
     * daily 02:30; after a skipped half hour, lastExecution gives the first slot after the gap rather
     * than the last), so nodes planning from different instants would disagree on the slots. Both
     * methods therefore find the latest slot and follow the chain from there; inside or just after a
     * repeated hour, from just before it.
     */

    @Override
    public Optional<Instant> nextAfter(Instant reference) {
        Instant r = wholeSeconds(reference);
        Optional<Instant> latest = latestAtOrBefore(r);
        return latest.isPresent() ? next(latest.get()) : next(r);
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant now) {
        Instant r = wholeSeconds(now);
        Optional<Instant> previous = anchor(r);
        Optional<RepeatedHour> repeated = repeatedHour(r).or(() -> previous.flatMap(this::repeatedHour));
        if (repeated.isEmpty()) {
            return walk(previous, previous.orElse(r.minusSeconds(1)), r);
        }
        // The chain through a repeated hour holds up to an hour of slots: followed once, then looked up.
        List<Instant> slots = chainThrough(repeated.get());
        int i = Collections.binarySearch(slots, r);
        int at = i >= 0 ? i : -i - 2;
        if (at < slots.size() - 1) {
            return at >= 0 ? Optional.of(slots.get(at)) : latestAtOrBefore(repeated.get().before());
        }
        return walk(Optional.of(slots.getLast()), slots.getLast(), r);
    }

    /**
     * A slot at or before {@code r} that the chain passes through, to walk on from: cron-utils'
     * lastExecution when nextExecution from just before it leads to it, else the same from earlier
     * instants. Right after a skipped wall-clock time lastExecution can be empty for most of a day
     * (Chatham) or name a time the chain skips (Lord Howe's half hour).
     */
    private Optional<Instant> anchor(Instant r) {
        for (Duration back : ANCHOR_STEPS) {
            Optional<Instant> candidate = last(r.minus(back));
            if (candidate.isPresent() && next(candidate.get().minusSeconds(1)).equals(candidate)) {
                return candidate;
            }
        }
        return Optional.empty();
    }

    /** The latest slot at or before {@code until}: {@code latest}, or one of the chain's slots after {@code from}. */
    private Optional<Instant> walk(Optional<Instant> latest, Instant from, Instant until) {
        Optional<Instant> found = latest;
        for (Optional<Instant> slot = next(from); slot.isPresent() && !slot.get().isAfter(until);
                slot = next(slot.get())) {
            found = slot;
        }
        return found;
    }

    /**
     * A wall-clock hour that a daylight-saving change repeats: {@code before} is just before its first
     * pass, {@code end} the end of its second.
     */
    private record RepeatedHour(Instant before, Instant end) {
    }

    /** The chain of slots after a repeated hour's {@code before}, up to the first slot past its end. */
    private record Chain(RepeatedHour hour, List<Instant> slots) {
    }

    private volatile Chain chain;

    private List<Instant> chainThrough(RepeatedHour hour) {
        Chain known = chain;
        if (known != null && known.hour().equals(hour)) {
            return known.slots();
        }
        List<Instant> slots = new ArrayList<>();
        for (Optional<Instant> slot = next(hour.before()); slot.isPresent(); slot = next(slot.get())) {
            slots.add(slot.get());
            if (slot.get().isAfter(hour.end())) {
                break;
            }
        }
        if (slots.isEmpty() || !slots.getLast().isAfter(hour.end())) {
            // The schedule ends inside the hour: keep a last entry past every instant.
            slots.add(Instant.MAX);
        }
        Chain built = new Chain(hour, List.copyOf(slots));
        chain = built;
        return built.slots();
    }

    /** The repeated wall-clock hour {@code instant} falls in, if it falls in one. */
    private Optional<RepeatedHour> repeatedHour(Instant instant) {
        ZoneOffsetTransition change = zone.getRules().getTransition(LocalDateTime.ofInstant(instant, zone));
        if (change == null || !change.isOverlap()) {
            return Optional.empty();
        }
        return Optional.of(new RepeatedHour(change.getDateTimeAfter().toInstant(change.getOffsetBefore()).minusSeconds(1),
                change.getDateTimeBefore().toInstant(change.getOffsetAfter())));
    }

    private Optional<Instant> next(Instant reference) {
        // The parser carries the reference's fraction of a second into the result; slots are whole seconds.
        return executionTime.nextExecution(ZonedDateTime.ofInstant(wholeSeconds(reference), zone))
                .map(ZonedDateTime::toInstant);
    }

    private Optional<Instant> last(Instant reference) {
        return executionTime.lastExecution(ZonedDateTime.ofInstant(reference, zone)).map(ZonedDateTime::toInstant);
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
