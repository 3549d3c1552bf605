package dev.baton.coordinator;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.PartitionGroupConfig;
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
 * // ... your network and discovery settings ...
 * HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(config);
 * Coordination coordination = HazelcastCoordination.builder(hazelcast).nodeId(podName).build();
 * BackgroundWorkerManager manager = Baton.manager(coordination).build();
 * }</pre>
 *
 * The floor ({@code minClusterSize}) is given once, to {@link #configure(Config, int)}: the builder
 * reads it from the member's configuration.
 */
public final class HazelcastCoordination {

    /** How long an execution keeps its lease without a renewal a quorum acknowledged, by default. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);
    /**
     * How many members keep each record: its owner and six synchronous backups (Hazelcast's most), every
     * member of a fleet of up to seven. The majority side of any split of up to twice as many members keeps
     * one, whatever the floor: a fleet that grows from three to nine needs no setting changed. Hazelcast keeps
     * at most one copy per partition group: a configuration with groups (zone-aware) gets fewer.
     */
    public static final int RECORD_COPIES = 7;
    /** Where {@link #configure(Config, int)} records the floor, for the builder to read. */
    public static final String MIN_CLUSTER_SIZE_PROPERTY = "baton.min.cluster.size";

    private static final Logger log = LoggerFactory.getLogger(HazelcastCoordination.class);
    /** How long one step of a partition migration may go unanswered (Hazelcast's own default: 300 s). */
    private static final Duration MIGRATION_TIMEOUT = Duration.ofSeconds(15);
    /** The most one migration step carries of a map's partition (Hazelcast's default: 250 MB). */
    private static final int MIGRATION_CHUNK_MB = 32;

    private HazelcastCoordination() {
    }

    /**
     * The longest a graceful close spends leaving, for this lease: giving the voter seat back (three
     * times the lease plus margin, and 2 s; five times while other voters leave at the same time)
     * and waiting for the others to hear its goodbye (2 s; longer, within the same total, when its
     * session had just expired and a member missed an action of it). What a deployment's shutdown grace
     * must allow for, beside the executions' own and Hazelcast's.
     */
    public static Duration closeLimit(Duration lease) {
        HzSettings settings = HzSettings.forLease(lease, 1, Duration.ZERO);
        return HzCoordination.closeLimit(settings);
    }

    /**
     * Prepares a member's configuration for Baton with {@link MemberTiming#defaults()}; see
     * {@link #configure(Config, int, MemberTiming)}.
     *
     * @param config         the member's configuration, before the member starts
     * @param minClusterSize an optional floor: never claim with fewer voters than this (1: no floor)
     * @return {@code config}
     */
    public static Config configure(Config config, int minClusterSize) {
        return configure(config, minClusterSize, MemberTiming.defaults());
    }

    /**
     * Prepares a member's configuration for Baton; call it before the member starts. It adds:
     * <ul>
     *   <li>the records map (sync backups, split-brain protection at the floor, a merge policy
     *       that keeps the highest fencing token), the executor Baton's sessions talk through, and
     *       Baton's serialization;</li>
     *   <li>{@code hazelcast.operation.fail.on.indeterminate.state=true}: a write whose backups did
     *       not answer fails instead of being re-applied blindly;</li>
     *   <li>the timing that makes fail-over take seconds ({@code timing}), a migration step lost
     *       with a closed connection given up after 15 s rather than five minutes (and map
     *       migrations in steps of at most 32 MB, so that a sound step fits in that time), no
     *       Hazelcast shutdown hook (close the manager, then the member), and no phone-home. A
     *       property the configuration (or a {@code -D} system property) already sets is kept: an
     *       application cluster holding large caches, multimaps or ringbuffers (migrated in one step
     *       per partition) sets {@code hazelcast.partition.migration.timeout} back to 60-300 s.</li>
     * </ul>
     * It records the floor in the configuration ({@link #MIN_CLUSTER_SIZE_PROPERTY}), where
     * {@link Builder#build()} reads it. Calling it again with the same floor changes nothing.
     *
     * @param config         the member's configuration, before the member starts
     * @param minClusterSize an optional floor: never claim with fewer voters than this, even where
     *                       they are a majority; 2 keeps a node that starts cut off from running alone
     * @param timing         heartbeats, merge delay and timeouts
     * @return {@code config}
     * @throws IllegalArgumentException if the floor is below 1, or differs from one recorded before
     */
    public static Config configure(Config config, int minClusterSize, MemberTiming timing) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(timing, "timing");
        if (minClusterSize < 1) {
            throw new IllegalArgumentException("minClusterSize must be at least 1, but was " + minClusterSize);
        }
        String recorded = config.getProperties().getProperty(MIN_CLUSTER_SIZE_PROPERTY);
        if (recorded != null && !recorded.equals(Integer.toString(minClusterSize))) {
            throw new IllegalArgumentException("this Config was prepared for Baton with minClusterSize " + recorded
                    + " already, now " + minClusterSize + " is asked for; give the floor in one place");
        }
        config.setProperty(MIN_CLUSTER_SIZE_PROPERTY, Integer.toString(minClusterSize));
        config.getSerializationConfig().addDataSerializableFactory(BatonSerialization.FACTORY_ID,
                new BatonSerialization());
        // A write whose backups did not acknowledge, or whose member left mid-call, must fail rather than be
        // reported done or re-applied blindly: Baton's processors are idempotent and call again themselves.
        config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        MapConfig records = recordsMapConfig();
        if (minClusterSize > 1) {
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(HzSettings.SPLIT_BRAIN_PROTECTION,
                    true, minClusterSize));
            records.setSplitBrainProtectionName(HzSettings.SPLIT_BRAIN_PROTECTION);
        }
        config.addMapConfig(records);
        config.addExecutorConfig(new ExecutorConfig(HzSettings.EXECUTOR).setPoolSize(4));
        // Baton's shutdown order is: stop claiming, finish executions, release leases, then leave.
        // Hazelcast's own hook would race it, so the application closes the member after the manager.
        keepOrSet(config, "hazelcast.shutdownhook.enabled", "false");
        keepOrSet(config, "hazelcast.phone.home.enabled", "false");
        keepOrSet(config, "hazelcast.heartbeat.interval.seconds", MemberTiming.seconds(timing.heartbeat()));
        keepOrSet(config, "hazelcast.max.no.heartbeat.seconds", MemberTiming.seconds(timing.heartbeatTimeout()));
        keepOrSet(config, "hazelcast.merge.first.run.delay.seconds", MemberTiming.seconds(timing.mergeDelay()));
        keepOrSet(config, "hazelcast.merge.next.run.delay.seconds", MemberTiming.seconds(timing.mergeDelay()));
        keepOrSet(config, "hazelcast.operation.call.timeout.millis", Long.toString(timing.callTimeout().toMillis()));
        // A frozen member holding a record's backup would block every write to it; after this the
        // owner goes on without it (the lock table, not the backup, keeps executions apart).
        keepOrSet(config, "hazelcast.operation.backup.timeout.millis",
                Long.toString(timing.backupTimeout().toMillis()));
        keepOrSet(config, "hazelcast.graceful.shutdown.max.wait", MemberTiming.seconds(timing.gracefulShutdownWait()));
        // A migration message lost on a connection that a suspicion closed (a joining member starved for
        // a heartbeat timeout) leaves its partition "migrating", every operation on it retried and then
        // failed, until the migration's call times out: five minutes by default. A destination running a
        // step answers with operation heartbeats; not yet while the step travels, so the chunks shrink
        // too: ten parallel steps of 32 MB cross a 1 Gb/s link in about 3 s, where 250 MB (the default)
        // took 20 s, the whole budget (this timeout plus the call timeout), and failed in a loop.
        keepOrSet(config, "hazelcast.partition.migration.timeout", Long.toString(MIGRATION_TIMEOUT.toSeconds()));
        keepOrSet(config, "hazelcast.partition.migration.chunks.max.migrating.data.in.mb",
                Integer.toString(MIGRATION_CHUNK_MB));
        return config;
    }

    private static void keepOrSet(Config config, String property, String value) {
        // getProperty also reads -D system properties: an operator's explicit choice wins.
        String existing = config.getProperty(property);
        if (existing == null) {
            config.setProperty(property, value);
        } else if (!existing.equals(value)) {
            log.info("Keeping {}={} from the configuration (Baton's tuning would set {})", property, existing, value);
        }
    }

    /**
     * With one backup, a 2 | 3 split of five lost the records whose two copies were both on the two (pauses,
     * triggers, and the slot they had just claimed, which the three then ran again as if it were new); with
     * two, a split of seven or more could. A write waits for every backup, a fraction of a millisecond more
     * on five members than with two; a frozen member holds up every record's writes until Hazelcast
     * removes it, as on a fleet of three already.
     */
    private static MapConfig recordsMapConfig() {
        return new MapConfig(HzSettings.RECORDS_MAP)
                .setBackupCount(RECORD_COPIES - 1)
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMergePolicyConfig(new MergePolicyConfig(HighestFenceMergePolicy.class.getName(), 100));
    }

    /**
     * Starts a coordination on a member prepared with {@link #configure(Config, int)}.
     *
     * @param hazelcast the running member
     * @return a builder
     */
    public static Builder builder(HazelcastInstance hazelcast) {
        return new Builder(hazelcast);
    }

    /** Settings of a Hazelcast coordination; setters refuse bad values. */
    public static final class Builder {
        private final HazelcastInstance hazelcast;
        private String nodeId;
        private Duration lease = DEFAULT_LEASE;
        private Duration voterRemovalDelay = HzSettings.DEFAULT_VOTER_REMOVAL_DELAY;
        private Path stateDirectory;
        private Duration fenceReserve = HzSettings.DEFAULT_FENCE_RESERVE;

        private Builder(HazelcastInstance hazelcast) {
            this.hazelcast = Objects.requireNonNull(hazelcast, "hazelcast");
        }

        /**
         * This node's id, unique among running nodes; default: the member's address.
         *
         * @param nodeId letters, digits, '.', '_' or '-'
         * @return this builder
         */
        public Builder nodeId(String nodeId) {
            this.nodeId = dev.baton.worker.WorkerNames.requireValid(nodeId);
            return this;
        }

        /**
         * How long an execution keeps its lease without a renewal a quorum acknowledged; default
         * 5 s. A crash in the middle of an execution re-runs the slot elsewhere about this long later.
         *
         * @param lease at least 500 ms
         * @return this builder
         */
        public Builder lease(Duration lease) {
            this.lease = Objects.requireNonNull(lease, "lease");
            return this;
        }

        /**
         * How long a voter may be gone without saying goodbye (crashed, cut off) before the others
         * remove it from the voters; long enough for a restart to bring it back. Default 30 s.
         *
         * @param delay not negative
         * @return this builder
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

        /** How far the token ceiling kept in the state directory runs ahead (tests shorten the default minute). */
        Builder fenceReserve(Duration reserve) {
            this.fenceReserve = Objects.requireNonNull(reserve, "reserve");
            return this;
        }

        /**
         * Builds the coordination; the floor comes from the member's configuration.
         *
         * @return the coordination, to pass to {@link Baton#manager(Coordination)}
         * @throws IllegalStateException if the member was not prepared with {@link #configure(Config, int)}
         */
        public Coordination build() {
            Config config = hazelcast.getConfig();
            String floor = config.getProperties().getProperty(MIN_CLUSTER_SIZE_PROPERTY);
            if (floor == null || !config.getSerializationConfig().getDataSerializableFactories()
                    .containsKey(BatonSerialization.FACTORY_ID)) {
                throw new IllegalStateException("the Hazelcast member was not prepared for Baton: call"
                        + " HazelcastCoordination.configure(config, minClusterSize) on its Config before"
                        + " Hazelcast.newHazelcastInstance(config) (in Spring Boot, declare a Config bean, or let"
                        + " the Baton starter build the member from baton.* properties)");
            }
            warnOfFewerCopies(config);
            HzSettings settings = HzSettings.forLease(lease, Integer.parseInt(floor), voterRemovalDelay)
                    .withFenceReserve(fenceReserve);
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

        /**
         * The application may change the member's configuration after {@link #configure}: fewer copies of
         * the records still run, but a split or crashes that take every copy of a record lose it (its pause,
         * trigger, and the slot it had claimed, which then runs again as if new).
         */
        private static void warnOfFewerCopies(Config config) {
            int backups = config.findMapConfig(HzSettings.RECORDS_MAP).getBackupCount();
            if (backups < RECORD_COPIES - 1) {
                log.warn("The records map {} keeps {} synchronous backups, fewer than the {} Baton sets: the majority"
                        + " side of a split of more than {} members may lack records and run their claimed slots again."
                        + " Leave its map configuration to HazelcastCoordination.configure", HzSettings.RECORDS_MAP,
                        backups, RECORD_COPIES - 1, 2 * (backups + 1));
            }
            PartitionGroupConfig groups = config.getPartitionGroupConfig();
            if (groups.isEnabled() && groups.getGroupType() != PartitionGroupConfig.MemberGroupType.PER_MEMBER) {
                log.warn("Hazelcast partition groups ({}) keep at most one copy of each record per group, fewer than"
                        + " the {} Baton asks for when there are fewer groups than members: a split or crashes that"
                        + " take every member holding a record's copies lose it, and the slot it had claimed runs again."
                        + " Turn partition groups off on the members Baton runs on, unless losing a whole group at once"
                        + " is the failure you plan for", groups.getGroupType(), RECORD_COPIES);
            }
        }

        private static String defaultNodeId(HazelcastInstance hazelcast) {
            var address = hazelcast.getCluster().getLocalMember().getAddress();
            return (address.getHost() + "-" + address.getPort()).replace(':', '_');
        }
    }
}
