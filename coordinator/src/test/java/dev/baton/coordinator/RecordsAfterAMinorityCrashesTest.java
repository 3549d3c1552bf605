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
 * Members of a minority crash at once, as the two sides of a split lose each other: the majority
 * must still have every record. With one backup, the records whose two copies were both on the two
 * of a 2 | 3 split were gone on the three (MembershipIT's split: the slot the two had just run, run
 * again by the three as if new; pauses and triggers are lost the same way); with two, those whose
 * three copies were all on the three of a 3 | 4 split.
 */
class RecordsAfterAMinorityCrashesTest {

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
        assertThat(recordsLostWhenMembersCrash(5, 2, 60))
                .as("workers whose record (and pause) the three surviving members lost").isEmpty();
    }

    /** Seven members, no floor: with three copies, about one record in 35 had all of them on the three. */
    @Test
    void pausedWorkersStayPausedWhenThreeOfSevenMembersCrashAtOnce() {
        assertThat(recordsLostWhenMembersCrash(7, 3, 160))
                .as("workers whose record (and pause) the four surviving members lost").isEmpty();
    }

    private List<String> recordsLostWhenMembersCrash(int size, int crashing, int workers) {
        HazelcastInstance survivor = members.get(0);
        Coordination coordination = HazelcastCoordination.builder(survivor).nodeId("n0").lease(Duration.ofSeconds(2))
                .build();
        manager = Baton.manager(coordination).build();
        List<String> names = IntStream.range(0, workers).mapToObj(i -> String.format("w%03d", i)).toList();
        names.forEach(n -> manager.add(new TestWorker(n, Schedule.fixedRate(Duration.ofHours(1)), ctx -> { })));
        manager.start();
        for (int m = 1; m < size; m++) {
            members.get(m);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> survivor.getCluster().getMembers().size() == size
                && survivor.getPartitionService().isClusterSafe());
        names.forEach(manager::pause);
        assertThat(names).allSatisfy(n -> assertThat(coordination.read(n)).hasValueSatisfying(r ->
                assertThat(r.paused()).isTrue()));

        CompletableFuture.allOf(IntStream.range(size - crashing, size).mapToObj(m -> CompletableFuture.runAsync(
                () -> members.get(m).getLifecycleService().terminate())).toArray(CompletableFuture[]::new)).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.getCluster().getMembers().size() == size - crashing);

        return names.stream().filter(n -> !coordination.read(n).map(WorkerRecord::paused).orElse(false)).toList();
    }
}
