package dev.baton.coordinator;

import static dev.baton.coordinator.support.Harness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.support.Harness;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node that prefers a worker claims its slot ahead of the instant (the claim's round trips are
 * paid before it, so that many slots on one instant still start on time) and starts it at the instant.
 */
class ClaimAheadTest {

    private Harness h = new Harness();

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void aSlotIsClaimedAheadAndStartsAtItsInstant() {
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.manager.start();

        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(50)));

        WorkerRecord claimed = record("report");
        assertThat(claimed.running()).as("the slot is this node's 50 ms before its instant").isTrue();
        assertThat(claimed.lastSlot()).contains(at("00:00:10"));
        assertThat(h.recorder.starts).as("nothing starts before the instant").isEmpty();

        h.advanceTo("00:00:10");
        assertThat(h.recorder.starts).singleElement().satisfies(s -> {
            assertThat(s.slot()).isEqualTo(at("00:00:10"));
            assertThat(s.startedAt()).isEqualTo(at("00:00:10"));
        });
        h.advanceTo("00:00:30");
        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"), at("00:00:20"), at("00:00:30"));
    }

    @Test
    void withoutALeadTheSlotIsClaimedAtItsInstant() {
        h.close();
        h = new Harness(Duration.ZERO);
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.manager.start();

        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(1)));
        assertThat(h.cluster.node("n1").read("report").flatMap(WorkerRecord::lastSlot)).isEmpty();

        h.advanceTo("00:00:10");
        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"));
    }

    @Test
    void slotsCloserThanTwiceTheLeadAreClaimedAtTheirInstant() {
        h.manager.add(new TestWorker("fast", Schedule.fixedRate(Duration.ofMillis(150)), ctx -> { }));
        h.manager.start();

        for (int i = 0; i < 100; i++) {
            h.time.advance(Duration.ofMillis(10));
            assertThat(h.cluster.node("n1").read("fast").flatMap(WorkerRecord::lastSlot))
                    .as("claimed at %s", h.time.now()).hasValueSatisfying(slot -> assertThat(slot).isBeforeOrEqualTo(h.time.now()));
        }
        assertThat(h.recorder.starts).hasSizeGreaterThan(5)
                .allSatisfy(s -> assertThat(s.startedAt()).isEqualTo(s.slot()));
    }

    @Test
    void aShutdownBetweenTheClaimAndTheInstantRunsTheSlotAtItsInstant() throws Exception {
        h.manager.add(new TestWorker("report", Schedule.fixedRate(Duration.ofSeconds(10)), ctx -> { }));
        h.manager.start();
        h.time.advance(Duration.between(h.time.now(), at("00:00:10").minusMillis(50)));
        assertThat(record("report").running()).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(h.manager::close);
        h.time.settle();
        assertThat(closing).as("close waits for the slot this node claimed").isNotDone();
        h.advanceTo("00:00:10");
        closing.get(10, TimeUnit.SECONDS);

        assertThat(h.recorder.slots("report")).containsExactly(at("00:00:10"));
        assertThat(h.recorder.starts).singleElement().satisfies(s -> assertThat(s.startedAt()).isEqualTo(at("00:00:10")));
        WorkerRecord after = record("report");
        assertThat(after.running()).isFalse();
        assertThat(after.lastOutcome()).contains(Outcome.SUCCEEDED);
    }

    @Test
    void aLeadOutsideZeroToOneSecondIsRefused() {
        Baton.Builder builder = Baton.manager(InMemoryCoordination.standalone());
        assertThatThrownBy(() -> builder.claimAhead(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("claim ahead must be between 0 and 1000 ms, but was -1 ms");
        assertThatThrownBy(() -> builder.claimAhead(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but was 2000 ms");
    }

    private WorkerRecord record(String worker) {
        return h.cluster.node("n1").read(worker).orElseThrow();
    }
}
