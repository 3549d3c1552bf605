package dev.baton.coordinator;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.internal.hz.BatonSerialization;
import dev.baton.coordinator.internal.hz.HighestFenceMergePolicy;
import dev.baton.coordinator.internal.hz.HzCoordination;
import dev.baton.coordinator.internal.hz.HzSettings;
import dev.baton.worker.spi.Coordination;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordination over a Hazelcast cluster (open source 5.x): each slot once across the cluster,
 * fenced leases that a cut-off node gives up before anyone else takes over, fail-over in seconds.
 *
 * <pre>{@code
 * Config config = HazelcastCoordination.configure(new Config(), 2);   // before the member starts
 * HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(config);
 * Coordination coordination = HazelcastCoordination.builder(hazelcast).minClusterSize(2).build();
 * BackgroundWorkerManager manager = Baton.manager(coordination).build();
 * }</pre>
 */
public final class HazelcastCoordination {

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(HazelcastCoordination.class);

    private HazelcastCoordination() {
    }

    /**
     * Adds what Baton needs to a member's configuration: the records map (sync backups on a
     * quorum of members, split-brain protection, a merge policy that keeps the highest fencing
     * token) and the executor its sessions talk through. Call it before the member starts.
     *
     * @param minClusterSize a majority of the fleet: a side of a partition smaller than this claims nothing
     */
    public static Config configure(Config config, int minClusterSize) {
        if (minClusterSize < 1) {
            throw new IllegalArgumentException("minClusterSize must be at least 1, but was " + minClusterSize);
        }
        config.getSerializationConfig().addDataSerializableFactory(BatonSerialization.FACTORY_ID,
                new BatonSerialization());
        // A write whose backups did not acknowledge, or whose member left mid-call, must fail rather than be
        // reported done or re-applied blindly: Baton's processors are idempotent and call again themselves.
        config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        MapConfig records = recordsMapConfig(minClusterSize);
        if (minClusterSize > 1) {
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(HzSettings.SPLIT_BRAIN_PROTECTION,
                    true, minClusterSize));
            records.setSplitBrainProtectionName(HzSettings.SPLIT_BRAIN_PROTECTION);
        }
        config.addMapConfig(records);
        config.addExecutorConfig(new ExecutorConfig(HzSettings.EXECUTOR).setPoolSize(4));
        return config;
    }

    private static MapConfig recordsMapConfig(int minClusterSize) {
        // A quorum of copies: a majority side of any partition still has every record.
        return new MapConfig(HzSettings.RECORDS_MAP)
                .setBackupCount(Math.max(1, Math.min(6, minClusterSize - 1)))
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMergePolicyConfig(new MergePolicyConfig(HighestFenceMergePolicy.class.getName(), 100));
    }

    public static Builder builder(HazelcastInstance hazelcast) {
        return new Builder(hazelcast);
    }

    /** Settings of a Hazelcast coordination; setters refuse bad values. */
    public static final class Builder {
        private final HazelcastInstance hazelcast;
        private String nodeId;
        private Duration lease = DEFAULT_LEASE;
        private int minClusterSize = 1;
        private Duration voterRemovalDelay = HzSettings.DEFAULT_VOTER_REMOVAL_DELAY;
        private Path stateDirectory;

        private Builder(HazelcastInstance hazelcast) {
            this.hazelcast = Objects.requireNonNull(hazelcast, "hazelcast");
        }

        /** This node's id; default: the member's address. */
        public Builder nodeId(String nodeId) {
            this.nodeId = dev.baton.worker.WorkerNames.requireValid(nodeId);
            return this;
        }

        /**
         * How long an execution keeps its lease without a renewal a quorum acknowledged; default
         * 5 s. A crash in the middle of an execution re-runs the slot elsewhere about this long later.
         */
        public Builder lease(Duration lease) {
            this.lease = Objects.requireNonNull(lease, "lease");
            return this;
        }

        /** The split-brain minimum, counting this member: never claim with fewer. Default 1. */
        public Builder minClusterSize(int minClusterSize) {
            this.minClusterSize = minClusterSize;
            return this;
        }

        /**
         * How long a voter may be gone without saying goodbye (crashed, cut off) before the others
         * remove it from the voters; long enough for a restart to bring it back. Default 30 s.
         */
        public Builder voterRemovalDelay(Duration delay) {
            this.voterRemovalDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /**
         * A directory where this node keeps its voter state (one small file per node id, written
         * before each vote). A node that crashed and restarts under the same id with it resumes its
         * voter seat; without it every process is a new voter, and the others replace the one before
         * (which takes a majority of the voters that remain). Default: none.
         */
        public Builder stateDirectory(Path directory) {
            this.stateDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        public Coordination build() {
            HzSettings settings = HzSettings.forLease(lease, minClusterSize, voterRemovalDelay);
            if (!hazelcast.getConfig().getSerializationConfig().getDataSerializableFactories()
                    .containsKey(BatonSerialization.FACTORY_ID)) {
                throw new IllegalStateException("the Hazelcast member was not prepared for Baton: call"
                        + " HazelcastCoordination.configure(config, minClusterSize) on its Config before"
                        + " Hazelcast.newHazelcastInstance(config)");
            }
            String id = nodeId != null ? nodeId : defaultNodeId(hazelcast);
            HzCoordination.StateDirectory state = stateDirectory == null ? null
                    : HzCoordination.stateIn(stateDirectory, id);
            try {
                return new HzCoordination(hazelcast, id, settings, state);
            } catch (RuntimeException e) {
                if (state != null) {
                    state.close();
                }
                throw e;
            }
        }

        private static String defaultNodeId(HazelcastInstance hazelcast) {
            var address = hazelcast.getCluster().getLocalMember().getAddress();
            return (address.getHost() + "-" + address.getPort()).replace(':', '_');
        }
    }
}
