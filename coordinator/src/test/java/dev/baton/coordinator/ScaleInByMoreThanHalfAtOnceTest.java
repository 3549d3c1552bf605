package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * Five nodes of which four stop gracefully at once, as {@code kubectl scale --replicas=1} does to a
 * StatefulSet with parallel pod management: each gives its voter seat back while the others still
 * answer, so the one left is the only voter and claims, with no removal delay to wait out (set to
 * five minutes here). When closing sessions vanished from the tables, the voters' changes saw no
 * majority after the first removal and the last node claimed nothing again, for good.
 */
class ScaleInByMoreThanHalfAtOnceTest {

    @RegisterExtension
    final HazelcastMembers members = new HazelcastMembers(1);

    @Test
    void theNodeLeftAfterFourOfFiveStopTogetherIsTheOnlyVoterAndClaims() throws Exception {
        List<Coordination> nodes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Coordination node = HazelcastCoordination.builder(members.get(i)).nodeId("n" + i)
                    .lease(Duration.ofSeconds(2)).voterRemovalDelay(Duration.ofMinutes(5)).build();
            members.closing(node).start(NoEvents.INSTANCE);
            nodes.add(node);
        }
        Coordination last = nodes.get(0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> last.status().voters().size() == 5 && last.status().quorumPresent());

        ExecutorService stopping = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("stop-", 1).factory());
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int i = 1; i < 5; i++) {
            Coordination node = nodes.get(i);
            var member = members.get(i);
            stops.add(CompletableFuture.runAsync(() -> {
                node.close();
                member.shutdown();
            }, stopping));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        stopping.shutdown();

        assertThat(last.status().voters()).as("the seats the four gave back").hasSize(1);
        Instant slot = Instant.now();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            Optional<Lease> lease = last.claim(ClaimRequest.scheduled("w", slot));
            lease.ifPresent(l -> l.complete(Outcome.SUCCEEDED));
            assertThat(lease).as("a claim by the node left, voters %s", last.status().voters()).isPresent();
        });
    }
}
