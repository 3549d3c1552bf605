package dev.baton.coordinator.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.MemberTiming;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real Hazelcast members in this JVM, over real TCP on loopback, with fast failure detection.
 * Each binds a port the system picks and joins the members already running, so that test runs
 * side by side (other worktrees, other forks) never meet on a port. Registered as a JUnit extension
 * ({@code @RegisterExtension}), it closes the nodes handed to {@link #closing}, then stops the members,
 * after each test and after the test's own {@code @AfterEach} methods.
 */
public final class HazelcastMembers implements AutoCloseable, AfterEachCallback {

    private final String clusterName = "baton-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final int minClusterSize;
    private final List<HazelcastInstance> members = new ArrayList<>();
    private final List<Coordination> nodes = new ArrayList<>();

    public HazelcastMembers(int minClusterSize) {
        this.minClusterSize = minClusterSize;
    }

    public HazelcastInstance start() {
        // Baton's own timing (heartbeat 1 s, timeout 5 s), with a shorter merge delay for the tests.
        Config config = HazelcastCoordination.configure(new Config(), minClusterSize,
                MemberTiming.defaults().withMergeDelay(Duration.ofSeconds(5)));
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.getNetworkConfig().setPort(0).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (HazelcastInstance running : members) {
            if (running.getLifecycleService().isRunning()) {
                join.getTcpIpConfig().addMember("127.0.0.1:"
                        + running.getCluster().getLocalMember().getAddress().getPort());
            }
        }
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        members.add(member);
        return member;
    }

    public HazelcastInstance get(int i) {
        while (members.size() <= i) {
            start();
        }
        return members.get(i);
    }

    public List<HazelcastInstance> all() {
        return List.copyOf(members);
    }

    /** {@code node}, to be closed before the members stop. */
    public <C extends Coordination> C closing(C node) {
        nodes.add(node);
        return node;
    }

    /** Takes back {@link #closing}: the test closes {@code node} itself, or crashed its member. */
    public void closed(Coordination node) {
        nodes.remove(node);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        nodes.forEach(Coordination::close);
        nodes.clear();
        members.forEach(m -> {
            try {
                m.getLifecycleService().terminate();
            } catch (RuntimeException e) {
                // already gone
            }
        });
        members.clear();
    }
}
