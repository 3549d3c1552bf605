package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.cluster.Member;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Lease;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The twenty-third review: one member whose baton-reads executor is stuck (a frozen or GC-paused process looks the
 * same) made every read from a quorum wait its whole wait, though a majority of the voters answered at once
 * (3,018 ms of a 3 s wait). Now a read ends once a majority of the voters answered.
 */
class RegisterPathReadStallTest {

    static final CountDownLatch RELEASE = new CountDownLatch(1);

    static final class Block implements Callable<Boolean>, Serializable {
        @Override
        public Boolean call() throws Exception {
            return RELEASE.await(60, TimeUnit.SECONDS);
        }
    }

    @TempDir
    Path state;

    private RegisterNodes nodes;

    @AfterEach
    void stop() {
        RELEASE.countDown();
        nodes.close();
    }

    @Test
    void aStuckMemberDoesNotHoldEveryReadForItsWholeWait() {
        nodes = new RegisterNodes(state, Duration.ofSeconds(5), Duration.ofMinutes(5));
        List<HzCoordination> three = nodes.threeVoters("w");
        List<Lease> won = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> three.get(0)
                .claim(ClaimRequest.scheduled("w", Instant.parse("2026-01-01T00:00:10Z"))).map(won::add).orElse(false));
        won.get(0).complete(Outcome.SUCCEEDED);

        Member stuck = nodes.member(2).getCluster().getLocalMember();
        for (int i = 0; i < 32; i++) {
            nodes.member(0).getExecutorService(HzSettings.READS_EXECUTOR).submitToMember(new Block(), stuck);
        }
        long start = System.nanoTime();
        var read = three.get(0).readWithin(Set.of("w"), Duration.ofSeconds(10));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(read).as("two voters of three answered").containsKey("w");
        assertThat(ms).as("ms for a read that a majority answered at once (it waits up to 10 s)").isLessThan(5000);
    }
}
