package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Lease;
import dev.baton.worker.spi.WorkerRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads from a quorum on real members (step 4, the view's {@code readWithin}): any node shows the record a
 * claim would build on, and a node that hears fewer than a majority of the voters shows none (the view says
 * "unknown") instead of its own copy, which may be stale.
 */
class RegisterPathReadTest {

    private static final Duration WAIT = Duration.ofSeconds(1);

    @TempDir
    Path state;

    private RegisterNodes nodes;
    private List<HzCoordination> three;

    @AfterEach
    void stop() {
        nodes.close();
    }

    private void startThree() {
        nodes = new RegisterNodes(state, Duration.ofSeconds(5), Duration.ofMinutes(5));
        three = nodes.threeVoters("w");
    }

    private Lease claim(HzCoordination node, Instant slot) {
        List<Lease> won = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> node.claim(ClaimRequest.scheduled("w", slot)).map(won::add).orElse(false));
        return won.get(0);
    }

    @Test
    void everyNodeShowsTheRunAndThenItsOutcome() {
        startThree();
        Lease run = claim(three.get(0), Instant.parse("2026-01-01T00:00:10Z"));
        for (HzCoordination node : three) {
            Map<String, Optional<WorkerRecord>> read = node.readWithin(Set.of("w"), WAIT);
            assertThat(read.get("w")).hasValueSatisfying(r -> {
                assertThat(r.holder()).contains("n0");
                assertThat(r.fencingToken()).isEqualTo(run.fencingToken());
            });
        }
        run.complete(Outcome.SUCCEEDED);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(three.get(2).readWithin(Set.of("w"), WAIT)
                .get("w")).hasValueSatisfying(r -> {
                    assertThat(r.holder()).isEmpty();
                    assertThat(r.lastOutcome()).contains(Outcome.SUCCEEDED);
                }));
    }

    @Test
    void aNodeThatHearsNoMajorityOfTheVotersShowsNoRecord() {
        startThree();
        claim(three.get(0), Instant.parse("2026-01-01T00:00:10Z")).complete(Outcome.SUCCEEDED);
        HzCoordination alone = three.get(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> alone.read("w").flatMap(WorkerRecord::lastOutcome).isPresent());

        nodes.member(0).getLifecycleService().terminate();
        nodes.member(1).getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(30)).until(() -> alone.status().members() == 1);

        assertThat(alone.readWithin(Set.of("w"), WAIT)).as("one voter of three answers").doesNotContainKey("w");
        assertThat(alone.read("w")).as("its own copy, for planning").isPresent();
        assertThat(alone.status().voters()).as("the crashed voters are kept for the removal delay").hasSize(3);
    }
}
