package dev.baton.spring.boot.internal;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.MemberTiming;
import dev.baton.spring.boot.BatonProperties;

/** The Hazelcast member configuration Baton builds from {@code baton.*} when the application has no member. */
public final class MemberConfig {

    private MemberConfig() {
    }

    /**
     * Baton's member timing from {@code baton.heartbeat}, {@code heartbeat-timeout} and {@code merge-delay}.
     *
     * @param properties the settings
     * @return the timing
     */
    public static MemberTiming timing(BatonProperties properties) {
        return MemberTiming.defaults().withHeartbeat(properties.getHeartbeat())
                .withHeartbeatTimeout(properties.getHeartbeatTimeout()).withMergeDelay(properties.getMergeDelay());
    }

    /**
     * Adds Baton's structures and timing to a configuration the application made.
     *
     * @param config     the application's member configuration, before the member starts
     * @param properties the settings
     * @return {@code config}
     */
    public static Config prepare(Config config, BatonProperties properties) {
        return HazelcastCoordination.configure(config, properties.getMinClusterSize(), timing(properties));
    }

    /**
     * A whole member configuration: Baton's, plus the network from {@code baton.*}.
     *
     * @param properties the settings
     * @param nodeId     this node's id, for the instance name
     * @return the configuration
     */
    public static Config build(BatonProperties properties, String nodeId) {
        if (!properties.getMembers().isEmpty() && properties.getK8sServiceDns() != null) {
            throw new IllegalStateException("baton.members and baton.k8s-service-dns are both set; use one discovery:"
                    + " baton.members for a fixed list, baton.k8s-service-dns on Kubernetes or docker-compose");
        }
        Config config = prepare(new Config(), properties);
        config.setClusterName(properties.getClusterName());
        config.setInstanceName("baton-" + nodeId);
        config.setProperty("hazelcast.logging.type", "slf4j");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(properties.getPort()).setPortAutoIncrement(false);
        network.getRestApiConfig().setEnabled(false);
        network.getMemcacheProtocolConfig().setEnabled(false);
        String bind = properties.getBind();
        if (bind != null && !bind.isBlank()) {
            config.setProperty("hazelcast.local.localAddress", bind);
            config.setProperty("hazelcast.socket.bind.any", "false");
            network.setPublicAddress(bind + ":" + properties.getPort());
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (!properties.getMembers().isEmpty()) {
            join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(3);
            properties.getMembers().forEach(m -> join.getTcpIpConfig().addMember(m));
        }
        if (properties.getK8sServiceDns() != null) {
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", properties.getK8sServiceDns())
                    .setProperty("service-dns-timeout", "5")
                    .setProperty("service-port", Integer.toString(properties.getPort()));
        }
        return config;
    }
}
