package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Review s35b: cron-utils' lastExecution, near a change, can be empty or off the chain nextExecution follows. */
class CronSlotsAfterASkippedTimeTest {

    /**
     * Chatham springs forward 02:45 -> 03:45 on 2025-09-28. A daily 01:00-03:00 hourly cron ran 02:00
     * (13:15Z); for the next ~20 hours latestAtOrBefore answered "no slot ever": lastExecution is
     * empty there.
     */
    @Test
    void chathamSpringForwardLatestAtOrBeforeStillKnowsTheSlotBeforeTheChange() {
        Schedule s = Schedule.cron("0 1-3 * * *", ZoneId.of("Pacific/Chatham"));
        Instant ran = Instant.parse("2025-09-27T13:15:00Z");
        assertThat(s.nextAfter(Instant.parse("2025-09-27T12:15:00Z"))).as("02:00 local is a slot").contains(ran);
        assertThat(s.latestAtOrBefore(Instant.parse("2025-09-27T15:00:03Z"))).as("latest slot at 04:45 local")
                .contains(ran);
        assertThat(s.latestAtOrBefore(Instant.parse("2025-09-28T09:12:57Z"))).contains(ran);
    }

    /**
     * Lord Howe springs forward 02:00 -> 02:30 on 2025-10-05. cron-utils' chain for a daily 02:30
     * skips that night's 02:30 (15:30Z): nextAfter just before it says the next slot is the day after,
     * and latestAtOrBefore just after it said 15:30Z was a slot: the two methods disagreed on the slots.
     */
    @Test
    void lordHoweSpringForwardBothMethodsSkipTheSameTime() {
        Schedule s = Schedule.cron("30 2 * * *", ZoneId.of("Australia/Lord_Howe"));
        Instant justBefore = Instant.parse("2025-10-04T15:29:59Z");
        Instant after = Instant.parse("2025-10-04T15:31:09Z");

        assertThat(s.latestAtOrBefore(after)).as("no slot between").isEqualTo(s.latestAtOrBefore(justBefore));
        assertThat(s.nextAfter(after)).as("no slot between").isEqualTo(s.nextAfter(justBefore));
    }
}
