package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.support.HazelcastMembers;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two of five members crash at once, as the two sides of a 2 | 3 split lose each other: the three
 * must still have every record. With one backup, the records whose two copies were both on the two
 * were gone on the three (MembershipIT's split: the slot the two had just run, run again by the three
 * as if new; pauses and triggers are lost the same way).
 */
class RecordsAfterTwoCrashesTest {

    private static final int WORKERS = 60;

    private final HazelcastMembers members = new HazelcastMembers(1);
    private BackgroundWorkerManager manager;

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.close();
        }
        members.close();
    }

    @Test
    void pausedWorkersStayPausedWhenTwoOfFiveMembersCrashAtOnce() {
        HazelcastInstance survivor = members.get(0);
        Coordination coordination = HazelcastCoordination.builder(survivor).nodeId("n0").lease(Duration.ofSeconds(2))
                .build();
        manager = Baton.manager(coordination).build();
        List<String> names = IntStream.range(0, WORKERS).mapToObj(i -> String.format("w%02d", i)).toList();
        names.forEach(n -> manager.add(new TestWorker(n, Schedule.fixedRate(Duration.ofHours(1)), ctx -> { })));
        manager.start();
        for (int m = 1; m < 5; m++) {
            members.get(m);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.getCluster().getMembers().size() == 5
                && survivor.getPartitionService().isClusterSafe());
        names.forEach(manager::pause);
        assertThat(names).allSatisfy(n -> assertThat(coordination.read(n)).hasValueSatisfying(r ->
                assertThat(r.paused()).isTrue()));

        CompletableFuture.allOf(
                CompletableFuture.runAsync(() -> members.get(3).getLifecycleService().terminate()),
                CompletableFuture.runAsync(() -> members.get(4).getLifecycleService().terminate())).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.getCluster().getMembers().size() == 3);

        List<String> lost = names.stream().filter(n -> !coordination.read(n).map(WorkerRecord::paused).orElse(false))
                .toList();
        assertThat(lost).as("workers whose record (and pause) the three surviving members lost").isEmpty();
    }
}
