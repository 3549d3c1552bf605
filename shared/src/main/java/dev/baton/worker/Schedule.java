package dev.baton.worker;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * When a periodic worker runs. Slots are instants on the cluster clock.
 *
 * <ul>
 *   <li>{@link #fixedRate(Duration)}: slots at {@code k * period} since the epoch, so every node
 *       computes the same slots without talking to the others.</li>
 *   <li>{@link #fixedDelay(Duration)}: the next slot is the completion of the previous run plus
 *       the delay, as ABP's timer does; runs never pile up.</li>
 *   <li>{@link #cron(String, ZoneId)}: a Unix cron expression (5 fields) evaluated in a time zone,
 *       daylight saving time included; {@link #cron(String, ZoneId, CronDialect)} for a Quartz or
 *       Spring expression (seconds first), named by the caller, never guessed.</li>
 * </ul>
 */
public sealed interface Schedule permits FixedRate, FixedDelay, CronSchedule {

    /** Slots at every multiple of {@code period} since the epoch; the period must be at least 1 ms. */
    static Schedule fixedRate(Duration period) {
        return new FixedRate(period);
    }

    /** The next run is due {@code delay} after the previous run completed. */
    static Schedule fixedDelay(Duration delay) {
        return new FixedDelay(delay);
    }

    /**
     * A Unix cron expression (five fields: minute hour day-of-month month day-of-week) evaluated
     * in {@code zone}, e.g. {@code Schedule.cron("*}{@code /15 * * * *", ZoneId.of("Europe/Berlin"))}.
     */
    static Schedule cron(String expression, ZoneId zone) {
        return CronSchedule.parse(expression, zone, CronDialect.UNIX);
    }

    /**
     * A cron expression in the named dialect, evaluated in {@code zone}, e.g.
     * {@code Schedule.cron("0 0/15 * * * ?", zone, CronDialect.QUARTZ)}.
     */
    static Schedule cron(String expression, ZoneId zone, CronDialect dialect) {
        return CronSchedule.parse(expression, zone, dialect);
    }

    /** A Unix cron expression (five fields) evaluated in UTC. */
    static Schedule cron(String expression) {
        return cron(expression, ZoneOffset.UTC);
    }

    /**
     * The first slot strictly after {@code reference}. For a fixed delay, {@code reference} is the
     * completion of the previous run; for the others it is the previous slot.
     *
     * @return empty if the schedule never fires again
     */
    Optional<Instant> nextAfter(Instant reference);

    /**
     * The latest slot at or before {@code now}, if the schedule has slots of its own (fixed rate
     * and cron). A fixed delay has no slots but the one its last completion defines: empty.
     */
    Optional<Instant> latestAtOrBefore(Instant now);

    /** A short human-readable form, e.g. {@code fixedRate(PT10S)}, for logs and the API. */
    String describe();
}
