package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.Coordination;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node of a healthy two-node cluster loses its state disk (full, read-only, failing): every
 * write of its voter state fails from then on. Its session keeps renewing, so it stays the
 * preferred node of its share of the workers and nobody steps in for them; but once the cluster
 * clock passes the fence ceiling it last managed to write, {@code HzCoordination.claim} refuses
 * every claim ({@code coverFences} fails). Its workers stop running anywhere for as long as the disk
 * stays broken, a disk that filled up: for good, while the other node is healthy and idle for them.
 */
class FailingStateDiskTest {

    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final int WORKERS = 6;
    /** Shorter than the default minute, so that the ceiling the broken disk keeps is passed in seconds. */
    private static final Duration FENCE_RESERVE = Duration.ofSeconds(6);

    @TempDir
    Path dir;

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();

    @AfterEach
    void stop() {
        managers.forEach(BackgroundWorkerManager::close);
        members.close();
    }

    @Test
    void workersOfANodeWhoseStateDiskFailsRunOnTheHealthyNode() throws Exception {
        List<Coordination> coordinations = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            HazelcastInstance hz = members.get(n);
            coordinations.add(HazelcastCoordination.builder(hz).nodeId("n" + n).lease(LEASE)
                    .stateDirectory(dir.resolve("n" + n)).fenceReserve(FENCE_RESERVE).build());
        }
        for (Coordination c : coordinations) {
            BackgroundWorkerManager m = Baton.manager(c).listener(recorder).build();
            for (int w = 0; w < WORKERS; w++) {
                m.add(new TestWorker("w" + w, Schedule.fixedRate(Duration.ofSeconds(1)), ctx -> { }));
            }
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(40)).until(() -> silentSince(Instant.now().minusSeconds(3)).isEmpty()
                && recorder.starts.stream().anyMatch(s -> s.nodeId().equals("n0")));

        // n0's disk fails: its state file can no longer be replaced (the temporary file cannot be created).
        Path n0State = dir.resolve("n0");
        Files.createDirectory(n0State.resolve("voter-n0.properties.tmp"));
        long ceiling = savedCeiling(n0State.resolve("voter-n0.properties"));

        // Up to the reserve: until then n0 still claims under the ceiling it wrote before.
        await().atMost(FENCE_RESERVE.plusSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.currentTimeMillis() > ceiling + 2_000);
        Instant windowStart = Instant.now();
        Set<String> silent;
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> silentSince(windowStart).isEmpty());
            silent = Set.of();
        } catch (ConditionTimeoutException e) {
            silent = silentSince(windowStart);
        }
        assertThat(silent).as("1 s workers that did not run at all in the 15 s after n0's fence ceiling (%d) passed,"
                + " although n1 is healthy (n0's disk fails; its session still renews)", ceiling).isEmpty();
    }

    private Set<String> silentSince(Instant since) {
        Set<String> silent = new TreeSet<>();
        for (int w = 0; w < WORKERS; w++) {
            String name = "w" + w;
            if (recorder.starts.stream().noneMatch(s -> s.worker().equals(name) && s.startedAt().isAfter(since))) {
                silent.add(name);
            }
        }
        return silent;
    }

    private static long savedCeiling(Path file) throws Exception {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return Long.parseLong(p.getProperty("fence.ceiling"));
    }
}
