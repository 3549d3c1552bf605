package dev.baton.node.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.RunKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The history every node shows: two members on loopback, one writing, the other reading, then alone. */
class ClusterHistoryTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private final List<HazelcastInstance> members = new ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(HazelcastInstance::shutdown);
    }

    @Test
    void keepsTheNewestExecutionsInStartOrderOnEveryCopy() {
        String cluster = "history-" + System.nanoTime();
        HazelcastInstance writer = member(cluster);
        HazelcastInstance reader = member(cluster);
        assertThat(reader.getCluster().getMembers()).hasSize(2);
        ClusterHistory written = new ClusterHistory(writer, 5, Duration.ofHours(1));
        ClusterHistory read = new ClusterHistory(reader, 5, Duration.ofHours(1));

        // Three flushes: the second carries a run that started before the last one of the first (a slow
        // node's report arriving late), the third pushes the oldest out.
        IntStream.of(1, 2, 4).forEach(i -> written.finished(result(i)));
        written.flush();
        IntStream.of(3, 5).forEach(i -> written.finished(result(i)));
        written.flush();
        IntStream.of(7, 6).forEach(i -> written.finished(result(i)));
        written.flush();

        List<Long> expected = List.of(3L, 4L, 5L, 6L, 7L);
        assertThat(fences(read.last("w", 5, Duration.ofSeconds(5)))).isEqualTo(expected);
        assertThat(fences(read.last("w", 2, Duration.ofSeconds(5)))).isEqualTo(List.of(6L, 7L));

        // Whichever member held the history, the other's copy had every append applied as well.
        written.close();
        writer.shutdown();
        members.remove(writer);
        assertThat(fences(read.last("w", 5, Duration.ofSeconds(5)))).isEqualTo(expected);
        read.close();
    }

    private static List<Long> fences(Optional<List<HistoryEntry>> entries) {
        assertThat(entries).isPresent();
        return entries.get().stream().map(e -> e.fence).toList();
    }

    private static ExecutionResult result(int i) {
        Instant slot = T0.plusSeconds(i);
        return new ExecutionResult("w", "e" + i, slot, i, "n1", slot.plusMillis(3), slot.plusMillis(10),
                Outcome.SUCCEEDED, Optional.empty(), RunKind.SCHEDULED);
    }

    private HazelcastInstance member(String cluster) {
        Config config = ClusterHistory.configure(new Config().setClusterName(cluster));
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().setPort(5901).setPortAutoIncrement(true);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
                .setMembers(List.of("127.0.0.1:5901", "127.0.0.1:5902", "127.0.0.1:5903"));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        members.add(member);
        return member;
    }
}
