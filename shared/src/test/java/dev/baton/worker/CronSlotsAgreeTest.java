package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded property check: for cron expressions users write (every second in one minute per hour,
 * working hours, DST nights in Berlin and New York), nextAfter and latestAtOrBefore agree, whatever
 * fraction of a second the reference carries.
 */
class CronSlotsAgreeTest {

    private static final List<ZoneId> ZONES = List.of(ZoneOffset.UTC, ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Asia/Kolkata"));

    @Test
    void nextAfterAndLatestAtOrBeforeAgree() {
        List<Schedule> schedules = new ArrayList<>();
        for (ZoneId zone : ZONES) {
            schedules.add(Schedule.cron("* 0 * * * ?", zone, CronDialect.QUARTZ));
            schedules.add(Schedule.cron("0 0 9-17 * * ?", zone, CronDialect.QUARTZ));
            schedules.add(Schedule.cron("*/7 * 2 * * ?", zone, CronDialect.QUARTZ));
            schedules.add(Schedule.cron("0-10 30 1-3 * * ?", zone, CronDialect.QUARTZ));
            schedules.add(Schedule.cron("*/15 * * * *", zone));
        }
        Random random = new Random(34);
        List<String> problems = new ArrayList<>();
        Instant[] bases = {Instant.parse("2026-03-29T00:20:00Z"), Instant.parse("2026-10-25T00:20:00Z"),
                Instant.parse("2026-03-08T06:20:00Z"), Instant.parse("2026-11-01T05:20:00Z"),
                Instant.parse("2026-04-04T14:20:00Z"), Instant.parse("2026-10-03T15:20:00Z")};
        for (Schedule s : schedules) {
            for (int i = 0; i < 60 && problems.size() < 20; i++) {
                Instant base = bases[random.nextInt(bases.length)];
                Instant t = base.plusMillis((long) (random.nextDouble() * Duration.ofHours(4).toMillis()));
                if (random.nextInt(4) == 0) {
                    t = t.truncatedTo(ChronoUnit.SECONDS);
                }
                Optional<Instant> next = s.nextAfter(t);
                Optional<Instant> latest = s.latestAtOrBefore(t);
                if (next.isPresent() && !next.get().isAfter(t)) {
                    problems.add(s.describe() + " nextAfter(" + t + ")=" + next.get() + " not after");
                }
                if (latest.isPresent()) {
                    if (latest.get().isAfter(t)) {
                        problems.add(s.describe() + " latestAtOrBefore(" + t + ")=" + latest.get() + " after");
                    }
                    Optional<Instant> afterLatest = s.nextAfter(latest.get());
                    if (afterLatest.isPresent() && !afterLatest.get().isAfter(t)) {
                        problems.add(s.describe() + " latestAtOrBefore(" + t + ")=" + latest.get()
                                + " but nextAfter(latest)=" + afterLatest.get() + " <= t");
                    }
                    if (!afterLatest.equals(next)) {
                        problems.add(s.describe() + " at " + t + ": nextAfter(latest " + latest.get() + ")="
                                + afterLatest + " vs nextAfter(t)=" + next);
                    }
                }
                if (next.isPresent()) {
                    if (!s.latestAtOrBefore(next.get()).equals(next)) {
                        problems.add(s.describe() + " latestAtOrBefore(nextAfter(" + t + ")=" + next.get() + ")="
                                + s.latestAtOrBefore(next.get()));
                    }
                    if (next.get().getNano() != 0) {
                        problems.add(s.describe() + " nextAfter(" + t + ")=" + next.get() + " not whole");
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * A daily 02:30 runs once on the night 02:30 happens twice in Berlin (ScheduleTest
     * dailyCronRunsOnceWhenFallBackRepeatsTheWallClockTime, planning from the first run). A node that
     * plans from its clock between the two (a standby stepping in, a restart, a catch-up) got the second
     * 02:30 as its next slot, and latestAtOrBefore of that very slot was the first one: the two methods
     * disagreed, and the claim of the second 02:30 (later than the record's last slot) was accepted.
     */
    @Test
    void dailyCronAgreesOnItsOneSlotWhateverInstantANodePlansFromOnTheFallBackNight() {
        Schedule daily = Schedule.cron("30 2 * * *", ZoneId.of("Europe/Berlin"));
        Instant first = Instant.parse("2026-10-25T00:30:00Z");
        Instant between = Instant.parse("2026-10-25T01:00:00Z");

        assertThat(daily.nextAfter(first)).contains(Instant.parse("2026-10-26T01:30:00Z"));
        assertThat(daily.nextAfter(between)).as("planned from 02:00 CET, between the two 02:30s")
                .isEqualTo(daily.nextAfter(first));
        Instant next = daily.nextAfter(between).orElseThrow();
        assertThat(daily.latestAtOrBefore(next)).as("latestAtOrBefore(nextAfter(t))").contains(next);
    }
}
