package dev.baton.coordinator.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.MemberTiming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Real Hazelcast members in this JVM, over real TCP on loopback, with fast failure detection. */
public final class HazelcastMembers implements AutoCloseable {

    private final String clusterName = "baton-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final int minClusterSize;
    private final int basePort;
    private final List<HazelcastInstance> members = new ArrayList<>();

    public HazelcastMembers(int minClusterSize, int basePort) {
        this.minClusterSize = minClusterSize;
        this.basePort = basePort;
    }

    public HazelcastInstance start() {
        // Baton's own timing (heartbeat 1 s, timeout 5 s), with a shorter merge delay for the tests.
        Config config = HazelcastCoordination.configure(new Config(), minClusterSize,
                MemberTiming.defaults().withMergeDelay(Duration.ofSeconds(5)));
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.getNetworkConfig().setPort(basePort).setPortAutoIncrement(true).setPortCount(20);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int port = basePort; port < basePort + 6; port++) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + port);
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

    @Override
    public void close() {
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
