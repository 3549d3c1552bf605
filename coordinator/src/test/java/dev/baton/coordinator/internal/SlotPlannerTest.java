package dev.baton.coordinator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.worker.MisfirePolicy;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which slot a node attempts next, from the cluster's record and the cluster clock. */
class SlotPlannerTest {

    private static final Instant NOW = Instant.parse("2026-12-01T13:08:40.700Z");
    private static final Schedule EVERY_5S = Schedule.fixedRate(Duration.ofSeconds(5));
    private static final Instant S1 = Instant.parse("2026-12-01T13:08:00Z");
    private static final WorkerOptions SKIP = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
    /** S5 run late, S4 and S5 coalesced into it. */
    private static final Plan LATE = Plan.at(S1.plusSeconds(20))
            .withMisfire(new Plan.Misfire(S1.plusSeconds(15), S1.plusSeconds(20), 2, false));

    private static WorkerRecord ranUpTo(Instant lastSlot) {
        return new WorkerRecord("w", Optional.of(lastSlot), 42, Optional.empty(), Optional.of(Outcome.SUCCEEDED),
                Optional.of(lastSlot), Optional.of(lastSlot.plusMillis(50)), false, false, Optional.of("n1"), 0,
                Optional.of(ClaimRequest.Kind.SCHEDULED));
    }

    /**
     * Members joined and the cluster clock (their median) moved back five minutes: the record's last
     * slot, written under the clock that was ahead, lies in the future. A node that plans from the
     * record must not wait five minutes; it attempts the next slot on the clock as it is, which the
     * claim then rebases.
     */
    @Test
    void aRecordWrittenUnderAClockThatWasAheadIsPlannedFromNowNotMinutesAhead() {
        Schedule everySecond = Schedule.fixedRate(Duration.ofSeconds(1));
        Optional<WorkerRecord> record = Optional.of(ranUpTo(NOW.plus(Duration.ofMinutes(5)).minusMillis(700)));

        Optional<Plan> plan = SlotPlanner.initial(everySecond, WorkerOptions.defaults(), record, NOW);

        assertThat(plan).map(Plan::slot).contains(Instant.parse("2026-12-01T13:08:41Z"));
    }

    @Test
    void aRecordAPeriodAheadOrLessIsPlannedFromItsNextSlot() {
        Schedule everyMinute = Schedule.fixedRate(Duration.ofMinutes(1));
        Instant lastSlot = Instant.parse("2026-12-01T13:09:00Z");

        Optional<Plan> plan = SlotPlanner.initial(everyMinute, WorkerOptions.defaults(), Optional.of(ranUpTo(lastSlot)),
                NOW);

        assertThat(plan).map(Plan::slot).contains(Instant.parse("2026-12-01T13:10:00Z"));
    }

    /**
     * A claim that went past a deferred slot: the run of the later slot reports from the deferred
     * slot on, with its own misfire if it has one, by the policy; a deferred slot after the plan's
     * first is no news.
     */
    @Test
    void aPassedDeferredSlotWidensTheMisfireReportedWithTheRun() {
        assertThat(SlotPlanner.misfireOf(EVERY_5S, WorkerOptions.defaults(), Plan.at(S1.plusSeconds(15)),
                Optional.of(S1))).contains(new Plan.Misfire(S1, S1.plusSeconds(15), 4, false));
        assertThat(SlotPlanner.misfireOf(EVERY_5S, SKIP, Plan.at(S1.plusSeconds(15)), Optional.of(S1)))
                .contains(new Plan.Misfire(S1, S1.plusSeconds(10), 3, true));
        assertThat(SlotPlanner.misfireOf(EVERY_5S, WorkerOptions.defaults(), LATE, Optional.of(S1.plusSeconds(5))))
                .contains(new Plan.Misfire(S1.plusSeconds(5), S1.plusSeconds(20), 4, false));
        assertThat(SlotPlanner.misfireOf(EVERY_5S, WorkerOptions.defaults(), LATE, Optional.of(S1.plusSeconds(15))))
                .as("within its own").isEqualTo(LATE.misfire());
        assertThat(SlotPlanner.misfireOf(EVERY_5S, WorkerOptions.defaults(), Plan.at(S1), Optional.empty())).isEmpty();
    }

    /** A deferred slot written under an earlier schedule, off the current grid, counts itself. */
    @Test
    void aPassedSlotOffTheGridCountsItself() {
        Schedule every7s = Schedule.fixedRate(Duration.ofSeconds(7));
        Instant due = every7s.nextAfter(S1).orElseThrow();

        assertThat(SlotPlanner.misfireOf(every7s, SKIP, Plan.at(due), Optional.of(due.minusSeconds(4))))
                .contains(new Plan.Misfire(due.minusSeconds(4), due.minusSeconds(4), 1, true));
        assertThat(SlotPlanner.misfireOf(every7s, WorkerOptions.defaults(), Plan.at(due),
                Optional.of(due.minusSeconds(11)))).contains(new Plan.Misfire(due.minusSeconds(11), due, 3, false));
    }
}
