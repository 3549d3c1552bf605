package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void fixedRateSlotsAreMultiplesOfThePeriodSinceTheEpoch() {
        Schedule every10s = Schedule.fixedRate(Duration.ofSeconds(10));

        assertThat(every10s.nextAfter(Instant.parse("2026-01-01T00:00:03Z")))
                .contains(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(every10s.nextAfter(Instant.parse("2026-01-01T00:00:10Z")))
                .as("strictly after").contains(Instant.parse("2026-01-01T00:00:20Z"));
        assertThat(every10s.latestAtOrBefore(Instant.parse("2026-01-01T00:00:19.999Z")))
                .contains(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(every10s.latestAtOrBefore(Instant.parse("2026-01-01T00:00:20Z")))
                .contains(Instant.parse("2026-01-01T00:00:20Z"));
    }

    @Test
    void fixedRateWithAPeriodThatDoesNotDivideADayStaysAlignedToTheEpoch() {
        Schedule every7s = Schedule.fixedRate(Duration.ofSeconds(7));

        Instant slot = every7s.nextAfter(Instant.parse("2026-03-01T12:00:00Z")).orElseThrow();

        assertThat(slot.toEpochMilli() % 7000).isZero();
        assertThat(every7s.nextAfter(Instant.ofEpochMilli(-1))).contains(Instant.EPOCH);
    }

    @Test
    void fixedDelayIsTheCompletionPlusTheDelay() {
        Schedule delay = Schedule.fixedDelay(Duration.ofMinutes(10));

        assertThat(delay.nextAfter(Instant.parse("2026-01-01T00:03:07.250Z")))
                .contains(Instant.parse("2026-01-01T00:13:07.250Z"));
        assertThat(delay.latestAtOrBefore(Instant.now())).isEmpty();
    }

    @Test
    void zeroOrNegativePeriodsAreRefusedWithAMessageThatSaysWhatToPass() {
        assertThatThrownBy(() -> Schedule.fixedRate(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixedRate period must be at least 1 ms, but was PT0S")
                .hasMessageContaining("Duration.ofSeconds(10)");
        assertThatThrownBy(() -> Schedule.fixedDelay(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixedDelay delay must be at least 1 ms, but was PT-5S");
        assertThatThrownBy(() -> Schedule.fixedRate(Duration.ofNanos(10)))
                .hasMessageContaining("at least 1 ms");
    }

    @Test
    void eachDialectIsAcceptedWhenNamed() {
        Instant from = Instant.parse("2026-05-04T10:07:00Z");

        assertThat(Schedule.cron("*/15 * * * *").nextAfter(from)).contains(Instant.parse("2026-05-04T10:15:00Z"));
        assertThat(Schedule.cron("30 0/15 * * * ?", ZoneOffset.UTC, CronDialect.QUARTZ).nextAfter(from))
                .contains(Instant.parse("2026-05-04T10:15:30Z"));
        assertThat(Schedule.cron("0 */15 * * * *", ZoneOffset.UTC, CronDialect.SPRING).nextAfter(from))
                .contains(Instant.parse("2026-05-04T10:15:00Z"));
        assertThat(Schedule.cron("0 0 12 ? * MON-FRI 2026", ZoneOffset.UTC, CronDialect.QUARTZ).nextAfter(from))
                .contains(Instant.parse("2026-05-04T12:00:00Z"));
    }

    @Test
    void weekdayNumbersFollowTheNamedDialectNeverAGuess() {
        // 2026-05-02 is a Saturday. In Quartz 1-5 is Sunday to Thursday, in Spring Monday to Friday.
        Instant saturday = Instant.parse("2026-05-02T12:00:00Z");
        Schedule quartz = Schedule.cron("0 0 9 ? * 1-5", ZoneOffset.UTC, CronDialect.QUARTZ);
        Schedule spring = Schedule.cron("0 0 9 * * 1-5", ZoneOffset.UTC, CronDialect.SPRING);

        assertThat(quartz.nextAfter(saturday)).contains(Instant.parse("2026-05-03T09:00:00Z"));
        assertThat(spring.nextAfter(saturday)).contains(Instant.parse("2026-05-04T09:00:00Z"));
        assertThat(quartz).isNotEqualTo(Schedule.cron("0 0 9 ? * 1-5", ZoneOffset.UTC, CronDialect.SPRING));
    }

    @Test
    void aSixFieldExpressionWithoutADialectIsRefusedWithHowToNameOne() {
        assertThatThrownBy(() -> Schedule.cron("0 0 9 ? * 1-5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 6 fields")
                .hasMessageContaining("CronDialect.QUARTZ")
                .hasMessageContaining("CronDialect.SPRING");
        assertThatThrownBy(() -> Schedule.cron("*/5 * * * *", ZoneOffset.UTC, CronDialect.QUARTZ))
                .hasMessageContaining("a Quartz cron has 6 or 7 fields")
                .hasMessageContaining("Schedule.cron(expression, zone)");
    }

    /**
     * Every node must compute the same slots whatever instant it asks from: a slot carrying the
     * reference's fraction of a second (02.999 -> 03.999) is a different slot from another node's 03.000.
     */
    @Test
    void cronSlotsFallOnWholeSecondsWhateverTheReference() {
        Schedule everySecond = Schedule.cron("* * * * * ?", ZoneOffset.UTC, CronDialect.QUARTZ);
        Schedule everyTwo = Schedule.cron("*/2 * * * * *", ZoneOffset.UTC, CronDialect.SPRING);

        assertThat(everySecond.nextAfter(Instant.parse("2026-01-01T00:00:02.999Z")))
                .contains(Instant.parse("2026-01-01T00:00:03Z"));
        assertThat(everySecond.nextAfter(Instant.parse("2026-01-01T00:00:03Z")))
                .as("strictly after").contains(Instant.parse("2026-01-01T00:00:04Z"));
        assertThat(everySecond.latestAtOrBefore(Instant.parse("2026-01-01T00:00:03.500Z")))
                .contains(Instant.parse("2026-01-01T00:00:03Z"));
        assertThat(everyTwo.nextAfter(Instant.parse("2026-01-01T00:00:01.250Z")))
                .contains(Instant.parse("2026-01-01T00:00:02Z"));
        assertThat(everyTwo.latestAtOrBefore(Instant.parse("2026-01-01T00:00:03.999Z")))
                .contains(Instant.parse("2026-01-01T00:00:02Z"));
    }

    @Test
    void cronLatestSlotIncludesASlotExactlyAtNow() {
        Schedule quarterly = Schedule.cron("*/15 * * * *");

        assertThat(quarterly.latestAtOrBefore(Instant.parse("2026-01-01T10:15:00Z")))
                .contains(Instant.parse("2026-01-01T10:15:00Z"));
        assertThat(quarterly.latestAtOrBefore(Instant.parse("2026-01-01T10:29:59Z")))
                .contains(Instant.parse("2026-01-01T10:15:00Z"));
    }

    @Test
    void dailyCronSkipsTheWallClockTimeThatSpringForwardRemoves() {
        Schedule daily = Schedule.cron("0 30 2 * * ?", BERLIN, CronDialect.QUARTZ);

        List<ZonedDateTime> runs = runs(daily, ZonedDateTime.of(2026, 3, 27, 12, 0, 0, 0, BERLIN), 3);

        // 2026-03-29 02:30 does not exist in Berlin: that day has no run.
        assertThat(runs).extracting(ZonedDateTime::toLocalDate).extracting(Object::toString)
                .containsExactly("2026-03-28", "2026-03-30", "2026-03-31");
        assertThat(runs.get(1).getOffset().getTotalSeconds()).isEqualTo(2 * 3600);
    }

    @Test
    void dailyCronRunsOnceWhenFallBackRepeatsTheWallClockTime() {
        Schedule daily = Schedule.cron("0 30 2 * * ?", BERLIN, CronDialect.QUARTZ);

        List<ZonedDateTime> runs = runs(daily, ZonedDateTime.of(2026, 10, 24, 12, 0, 0, 0, BERLIN), 2);

        assertThat(runs).extracting(ZonedDateTime::toLocalDate).extracting(Object::toString)
                .containsExactly("2026-10-25", "2026-10-26");
    }

    @Test
    void hourlyCronRunsEveryRealHourAcrossFallBack() {
        Schedule hourly = Schedule.cron("0 * * * *", BERLIN);
        Instant from = ZonedDateTime.of(2026, 10, 25, 0, 30, 0, 0, BERLIN).toInstant();

        List<Instant> runs = runs(hourly, from.atZone(BERLIN), 4).stream().map(ZonedDateTime::toInstant).toList();

        // 02:00 happens twice in Berlin that night; both are real hours, one hour apart.
        assertThat(runs).containsExactly(Instant.parse("2026-10-24T23:00:00Z"), Instant.parse("2026-10-25T00:00:00Z"),
                Instant.parse("2026-10-25T01:00:00Z"), Instant.parse("2026-10-25T02:00:00Z"));
    }

    @Test
    void malformedCronIsRefusedWithTheAcceptedForms() {
        assertThatThrownBy(() -> Schedule.cron("61 * * * *"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid UNIX cron expression '61 * * * *'")
                .hasMessageContaining("61")
                .hasMessageContaining("a Unix cron has 5 fields");
        assertThatThrownBy(() -> Schedule.cron("* * *"))
                .hasMessageContaining("has 3 fields");
        assertThatThrownBy(() -> Schedule.cron("  "))
                .hasMessageContaining("cron expression is blank");
        assertThatThrownBy(() -> Schedule.cron("0 0 30 2 *"))
                .hasMessageContaining("never fires");
    }

    @Test
    void schedulesDescribeThemselves() {
        assertThat(Schedule.fixedRate(Duration.ofSeconds(10)).describe()).isEqualTo("fixedRate(PT10S)");
        assertThat(Schedule.fixedDelay(Duration.ofMinutes(10)).describe()).isEqualTo("fixedDelay(PT10M)");
        assertThat(Schedule.cron("0 * * * *", BERLIN).describe()).isEqualTo("cron(0 * * * *, Europe/Berlin)");
        assertThat(Schedule.cron("0 * * * *", BERLIN)).isEqualTo(Schedule.cron("0  *  * * *", BERLIN));
        assertThat(Schedule.cron("0 0 * * * ?", BERLIN, CronDialect.QUARTZ).describe())
                .isEqualTo("cron(0 0 * * * ?, Europe/Berlin, QUARTZ)");
    }

    private static List<ZonedDateTime> runs(Schedule schedule, ZonedDateTime from, int count) {
        List<ZonedDateTime> runs = new ArrayList<>();
        Instant t = from.toInstant();
        for (int i = 0; i < count; i++) {
            t = schedule.nextAfter(t).orElseThrow();
            runs.add(t.atZone(from.getZone()));
        }
        return runs;
    }
}
