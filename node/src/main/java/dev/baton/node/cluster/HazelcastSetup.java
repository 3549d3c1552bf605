package dev.baton.node.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.coordinator.MemberTiming;
import dev.baton.node.config.ConfigException;
import dev.baton.node.config.NodeSettings;
import java.util.List;
import java.util.Optional;

/** The Hazelcast member configuration of a node, from its {@code BATON_*} settings. */
public final class HazelcastSetup {

    private HazelcastSetup() {
    }

    public static Config build(dev.baton.node.config.Config settings, String nodeId) {
        Optional<List<String>> members = settings.find(NodeSettings.MEMBERS);
        Optional<String> serviceDns = settings.find(NodeSettings.K8S_SERVICE_DNS);
        if (members.isPresent() && serviceDns.isPresent()) {
            throw new ConfigException("BATON_MEMBERS and BATON_K8S_SERVICE_DNS are both set; use one discovery:"
                    + " BATON_MEMBERS for a fixed list, BATON_K8S_SERVICE_DNS on Kubernetes or docker-compose");
        }
        // The same call an embedding application makes: Baton's structures, timing, no shutdown hook
        // (the node's own hook shuts down in order: stop claiming, finish executions, release leases, leave).
        Config config = HazelcastCoordination.configure(new Config(), settings.get(NodeSettings.MIN_CLUSTER_SIZE),
                timing(settings));
        dev.baton.node.ops.ClusterHistory.configure(config);
        config.setClusterName(settings.get(NodeSettings.CLUSTER_NAME));
        config.setInstanceName("baton-" + nodeId);
        config.setProperty("hazelcast.logging.type", "slf4j");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(settings.get(NodeSettings.PORT)).setPortAutoIncrement(false);
        network.getRestApiConfig().setEnabled(false);
        network.getMemcacheProtocolConfig().setEnabled(false);
        settings.find(NodeSettings.BIND).ifPresent(bind -> {
            config.setProperty("hazelcast.local.localAddress", bind);
            config.setProperty("hazelcast.socket.bind.any", "false");
            network.setPublicAddress(bind + ":" + settings.get(NodeSettings.PORT));
        });
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        members.ifPresent(list -> {
            join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(3);
            list.forEach(m -> join.getTcpIpConfig().addMember(m));
        });
        serviceDns.ifPresent(dns -> join.getKubernetesConfig().setEnabled(true)
                .setProperty("service-dns", dns)
                .setProperty("service-dns-timeout", "5")
                .setProperty("service-port", Integer.toString(settings.get(NodeSettings.PORT))));
        return config;
    }

    /** Baton's member timing with the node's BATON_HEARTBEAT, BATON_HEARTBEAT_TIMEOUT and BATON_MERGE_DELAY. */
    public static MemberTiming timing(dev.baton.node.config.Config settings) {
        try {
            return new MemberTiming(settings.get(NodeSettings.HEARTBEAT), settings.get(NodeSettings.HEARTBEAT_TIMEOUT),
                    settings.get(NodeSettings.MERGE_DELAY), MemberTiming.defaults().callTimeout(),
                    MemberTiming.defaults().backupTimeout(), MemberTiming.defaults().gracefulShutdownWait());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("BATON_HEARTBEAT, BATON_HEARTBEAT_TIMEOUT, BATON_MERGE_DELAY: " + e.getMessage());
        }
    }
}
