package dev.baton.node.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.baton.coordinator.HazelcastCoordination;
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
        Config config = HazelcastCoordination.configure(new Config(), settings.get(NodeSettings.MIN_CLUSTER_SIZE));
        dev.baton.node.ops.ClusterHistory.configure(config);
        config.setClusterName(settings.get(NodeSettings.CLUSTER_NAME));
        config.setInstanceName("baton-" + nodeId);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // Baton's own hook shuts down in order: stop claiming, finish executions, release leases, leave.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.heartbeat.interval.seconds", seconds(settings, NodeSettings.HEARTBEAT));
        config.setProperty("hazelcast.max.no.heartbeat.seconds", seconds(settings, NodeSettings.HEARTBEAT_TIMEOUT));
        config.setProperty("hazelcast.merge.first.run.delay.seconds", seconds(settings, NodeSettings.MERGE_DELAY));
        config.setProperty("hazelcast.merge.next.run.delay.seconds", seconds(settings, NodeSettings.MERGE_DELAY));
        // Fail operations of a cut-off member in seconds, not in the default minute.
        config.setProperty("hazelcast.operation.call.timeout.millis", "10000");
        // A frozen member holding a record's backup would block every write to it for the default
        // 5 s; after 1.5 s the owner goes on without it (the lock table, not the backup, keeps
        // executions apart).
        config.setProperty("hazelcast.operation.backup.timeout.millis", "1500");
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

    private static String seconds(dev.baton.node.config.Config settings,
                                  dev.baton.node.config.Setting<java.time.Duration> setting) {
        return Long.toString(Math.max(1, settings.get(setting).toSeconds()));
    }
}
