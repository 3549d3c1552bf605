package dev.baton.coordinator;

import static dev.baton.coordinator.support.FiveSecondSlots.S1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.support.FiveSecondSlots;
import dev.baton.coordinator.support.ScriptedCoordination;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRole;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A standby of a fixed-delay worker plans from the worker's record. Without one to go by (its reads
 * fail, as on the minority side of a split with a member-count floor, or nobody has run the worker
 * yet) the next run is due at once; a standby does not run it, and looked again at once: it spun,
 * reading (and logging each failure) thousands of times a second, taking the CPU the cut-off node
 * needed to rejoin (ClusterPartitionIT's run CA: 16,000 warnings in 16 s). It looks again shortly.
 */
class FixedDelayStandbyLookTest {

    private final FiveSecondSlots fleet = new FiveSecondSlots();
    private final ScriptedCoordination n = new ScriptedCoordination(fleet.records.node("n"));
    private BackgroundWorkerManager manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    private void startStandby() {
        n.roles.put("w", ClaimRole.STANDBY);
        manager = Baton.manager(n).scheduler(fleet.time).listener(fleet.recorder).build();
        manager.add(new TestWorker("w", Schedule.fixedDelay(Duration.ofSeconds(5)), ctx -> { }));
        manager.start();
    }

    @Test
    @Timeout(30)
    void aStandbyThatCannotReadTheRecordLooksAgainShortlyNotAtOnce() {
        n.failReads = true;
        startStandby();

        fleet.advanceTo(S1.plusSeconds(4));

        assertThat(n.reads.get()).as("reads in about 9 s of the clock").isBetween(1, 30);
        assertThat(fleet.recorder.results).isEmpty();
    }

    @Test
    @Timeout(30)
    void aStandbyOfAWorkerNobodyRanYetLooksAgainShortlyNotAtOnce() {
        startStandby();

        fleet.advanceTo(S1.plusSeconds(4));

        assertThat(n.reads.get()).as("reads in about 9 s of the clock").isBetween(1, 30);
        assertThat(fleet.recorder.results).isEmpty();
    }
}
