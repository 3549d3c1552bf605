package dev.baton.bench.dbscheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PeriodBoundariesTest {

    private final PeriodBoundaries everySecond = new PeriodBoundaries(Duration.ofSeconds(1));

    @Test
    void theNextRunIsOnTheBoundaryAfterTheLastOneEnded() {
        Instant done = Instant.parse("2026-12-01T10:35:28.284106Z");

        assertThat(everySecond.getNextExecutionTime(ExecutionComplete.simulatedSuccess(done)))
                .isEqualTo(Instant.parse("2026-12-01T10:35:29Z"));
        assertThat(everySecond.getInitialExecutionTime(done)).isEqualTo(Instant.parse("2026-12-01T10:35:29Z"));
    }

    @Test
    void aRunThatEndsLateSkipsTheBoundariesItMissed() {
        Instant done = Instant.parse("2026-12-01T10:35:31.020Z");

        assertThat(new PeriodBoundaries(Duration.ofSeconds(5)).getNextExecutionTime(
                ExecutionComplete.simulatedSuccess(done))).isEqualTo(Instant.parse("2026-12-01T10:35:35Z"));
    }

    @Test
    void aRunEndingExactlyOnABoundaryIsNextRunOneWholePeriodLater() {
        Instant done = Instant.parse("2026-12-01T10:35:29Z");

        assertThat(everySecond.getNextExecutionTime(ExecutionComplete.simulatedSuccess(done)))
                .isEqualTo(Instant.parse("2026-12-01T10:35:30Z"));
    }

    @Test
    void refusesAPeriodShorterThanAMillisecond() {
        assertThatThrownBy(() -> new PeriodBoundaries(Duration.ZERO)).hasMessageContaining("PERIOD_MS");
    }
}
