package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.Baton;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.RunKind;
import dev.baton.worker.Schedule;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on real members with the records in the workers' registers (step 3 of
 * docs/records-in-the-lock-tables.md): each slot runs once across the nodes, and a run cut short by
 * its node dying runs again elsewhere with a higher token, as on the map's records.
 */
class RegisterPathEngineTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final List<HazelcastInstance> hz = new ArrayList<>();
    private final List<HzCoordination> coordinations = new ArrayList<>();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();
    private final CountDownLatch never = new CountDownLatch(1);

    @TempDir
    Path state;

    @AfterEach
    void stop() {
        never.countDown();
        managers.forEach(BackgroundWorkerManager::close);
        coordinations.forEach(HzCoordination::close);
        members.close();
    }

    private void start(int nodes, int workers, Duration period, TestWorker.Body body) {
        for (int n = 0; n < nodes; n++) {
            hz.add(members.get(n));
        }
        for (int n = 0; n < nodes; n++) {
            String id = "n" + n;
            HzCoordination c = new HzCoordination(hz.get(n), id, HzSettings.forLease(LEASE, 1, Duration.ofSeconds(30)),
                    HzCoordination.stateIn(state.resolve(id), id), true);
            coordinations.add(c);
            BackgroundWorkerManager m = Baton.manager(c).listener(recorder).shutdownGrace(Duration.ofMillis(200))
                    .build();
            for (int w = 0; w < workers; w++) {
                m.add(new TestWorker(String.format("w%02d", w), Schedule.fixedRate(period), body));
            }
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
    }

    @Test
    void threeNodesRunEachSlotOnceAndShareTheWork() {
        start(3, 12, Duration.ofMillis(500), ctx -> { });
        await().atMost(Duration.ofSeconds(40)).until(() -> recorder.results.stream().map(ExecutionResult::nodeId)
                .distinct().count() == 3 && recorder.results.size() > 150);

        Map<String, Long> runsPerSlot = recorder.results.stream()
                .collect(Collectors.groupingBy(r -> r.worker() + "@" + r.slot(), Collectors.counting()));
        assertThat(runsPerSlot.values()).as("runs of each slot").containsOnly(1L);
        Map<String, List<Long>> tokens = recorder.results.stream().sorted((x, y) -> x.slot().compareTo(y.slot()))
                .collect(Collectors.groupingBy(ExecutionResult::worker,
                        Collectors.mapping(ExecutionResult::fencingToken, Collectors.toList())));
        assertThat(tokens.values()).as("each worker's tokens, in slot order").allSatisfy(t ->
                assertThat(t).isSorted().doesNotHaveDuplicates());
    }

    @Test
    void aRunCutShortByItsNodeDyingRunsAgainElsewhereWithAHigherToken() {
        AtomicBoolean first = new AtomicBoolean(true);
        start(3, 1, Duration.ofSeconds(1), ctx -> {
            if (first.getAndSet(false)) {
                never.await();
            }
        });
        await().atMost(Duration.ofSeconds(40)).until(() -> !recorder.starts.isEmpty());
        ExecutionStart cut = recorder.starts.get(0);
        int node = Integer.parseInt(cut.nodeId().substring(1));

        hz.get(node).getLifecycleService().terminate();

        // The dead session's expiry (a lease and a margin), the claim's look and write: 20 s is plenty.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(recorder.starts).as("the slot %s cut short on %s", cut.slot(), cut.nodeId())
                        .anySatisfy(s -> {
                            assertThat(s.kind()).isEqualTo(RunKind.RERUN);
                            assertThat(s.slot()).isEqualTo(cut.slot());
                            assertThat(s.nodeId()).isNotEqualTo(cut.nodeId());
                            assertThat(s.fencingToken()).isGreaterThan(cut.fencingToken());
                        }));
        Instant rerun = Instant.now();
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.results.stream()
                .filter(r -> r.slot().isAfter(rerun)).count() >= 3);
        Map<Instant, Long> runsPerSlot = recorder.starts.stream()
                .filter(s -> s.kind() != RunKind.RERUN)
                .collect(Collectors.groupingBy(ExecutionStart::slot, Collectors.counting()));
        assertThat(runsPerSlot.values()).as("regular runs of each slot").containsOnly(1L);
    }
}
