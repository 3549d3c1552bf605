package dev.baton.node.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;

/**
 * A Hazelcast member in this JVM bound to one loopback address of its own, joining the others by TCP, so that
 * {@link dev.baton.node.fleet.LoopbackFirewall} can cut it off from them.
 */
public final class LoopbackMember {

    private LoopbackMember() {
    }

    /** Starts a member of {@code cluster} on {@code address}:{@code port}, with {@code config} prepared for Baton. */
    public static HazelcastInstance start(Config config, String cluster, String address, List<String> addresses,
                                          int port) {
        config.setClusterName(cluster);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.local.localAddress", address);
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.socket.client.bind.any", "false");
        config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(address);
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        addresses.forEach(a -> join.getTcpIpConfig().addMember(a + ":" + port));
        return Hazelcast.newHazelcastInstance(config);
    }
}
