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
        Schedule everyFiveSeconds = Schedule.fixedRate(Duration.ofSeconds(5));
        Instant s1 = Instant.parse("2026-12-01T13:08:00Z");
        WorkerOptions skip = WorkerOptions.defaults().withMisfire(MisfirePolicy.SKIP);
        Plan late = Plan.at(s1.plusSeconds(20)).withMisfire(new Plan.Misfire(s1.plusSeconds(15), s1.plusSeconds(20), 2,
                false));

        assertThat(SlotPlanner.withPassed(everyFiveSeconds, WorkerOptions.defaults(), Plan.at(s1.plusSeconds(15)),
                Optional.of(s1))).contains(new Plan.Misfire(s1, s1.plusSeconds(15), 4, false));
        assertThat(SlotPlanner.withPassed(everyFiveSeconds, skip, Plan.at(s1.plusSeconds(15)), Optional.of(s1)))
                .contains(new Plan.Misfire(s1, s1.plusSeconds(10), 3, true));
        assertThat(SlotPlanner.withPassed(everyFiveSeconds, WorkerOptions.defaults(), late, Optional.of(s1.plusSeconds(5))))
                .contains(new Plan.Misfire(s1.plusSeconds(5), s1.plusSeconds(20), 4, false));
        assertThat(SlotPlanner.withPassed(everyFiveSeconds, WorkerOptions.defaults(), late, Optional.of(s1.plusSeconds(15))))
                .as("within its own").isEqualTo(late.misfire());
        assertThat(SlotPlanner.withPassed(everyFiveSeconds, WorkerOptions.defaults(), Plan.at(s1), Optional.empty()))
                .isEmpty();
    }
}
