package dev.baton.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Marker;

/**
 * Drops Hazelcast warnings that mark nothing wrong in a Baton node, so that a newcomer's first
 * start shows no warning at all. Every other line of those loggers, and every error but one (below), passes.
 * <ul>
 *   <li>"No join method is enabled": the node enables one whenever BATON_MEMBERS or
 *       BATON_K8S_SERVICE_DNS is set, so it only marks the documented single-node default, which
 *       {@link Main} announces calmly;</li>
 *   <li>"Ignoring received partition table, startup is not completed yet": replicas started
 *       together (docker-compose, a Kubernetes rollout) race the master's first partition table
 *       against their own start; the master publishes the table again, and the member takes it.</li>
 *   <li>"Following unknown addresses are found in partition table sent from master": a member
 *       joined or left and the master's partition table reached this member before the new
 *       member list did (seen with replicas started together, and on scale-out). Hazelcast logs
 *       the membership change itself at INFO ("Members {size:...}"), which stays, so the
 *       warning adds nothing a user acts on.</li>
 *   <li>The same race for the partition table itself: the master's PartitionStateOperation reaching
 *       a member that does not yet list the master ("CallerNotMemberException: Not Member! ...
 *       service: hz:core:partitionService"); the master sends the table again.</li>
 *   <li>The same race for the first migrations: the starting member's "Migration operation is
 *       received before startup is completed", and on the master the failure of that migration
 *       ("Failure while executing MigrationInfo{uuid=...}" caused by it, then "Migration failed:
 *       MigrationInfo{uuid=...}" for the same migration), which the master plans again. Only a
 *       failure whose cause is that race is dropped, and the "Migration failed" of that same
 *       migration.</li>
 *   <li>An error, the one dropped: the invocation monitor's "RejectedExecutionException" as the member
 *       stops (its periodic task is handed to an executor that has just shut down), which Hazelcast
 *       treats as expected during shutdown elsewhere. The same exception at any other logger passes.</li>
 * </ul>
 */
public final class HazelcastNoticeFilter extends TurboFilter {

    record Notice(String logger, String text) {
    }

    static final Notice STANDALONE = new Notice("com.hazelcast.instance.impl.Node",
            "No join method is enabled! Starting standalone.");
    static final Notice EARLY_PARTITION_TABLE = new Notice("com.hazelcast.internal.partition.InternalPartitionService",
            "Ignoring received partition table, startup is not completed yet.");
    static final Notice UNKNOWN_IN_PARTITION_TABLE = new Notice(EARLY_PARTITION_TABLE.logger(),
            "Following unknown addresses are found in partition table sent from master");
    static final Notice EARLY_MIGRATION = new Notice("com.hazelcast.internal.partition.operation.MigrationOperation",
            "Migration operation is received before startup is completed");
    static final String MIGRATION_REQUEST = "com.hazelcast.internal.partition.operation.MigrationRequestOperation";
    static final String MIGRATION_MANAGER = "com.hazelcast.internal.partition.impl.MigrationManagerImpl";
    static final String PARTITION_STATE = "com.hazelcast.internal.partition.operation.PartitionStateOperation";
    static final String INVOCATION_MONITOR = "com.hazelcast.spi.impl.operationservice.impl.InvocationMonitor";
    private static final String NOT_MEMBER = "CallerNotMemberException";
    private static final String PARTITION_SERVICE = "service: hz:core:partitionService";
    private static final List<Notice> NOTICES = List.of(STANDALONE, EARLY_PARTITION_TABLE, UNKNOWN_IN_PARTITION_TABLE,
            EARLY_MIGRATION);
    private static final String MIGRATION_ID = "MigrationInfo{uuid=";
    private static final int REMEMBERED = 64;

    /** Migrations whose failure was that race: their "Migration failed" line follows on the master. */
    private final Set<String> earlyMigrations = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    });

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == Level.ERROR && logger.getName().equals(INVOCATION_MONITOR)
                && t instanceof RejectedExecutionException) {
            return FilterReply.DENY;
        }
        if (level != Level.WARN || format == null) {
            return FilterReply.NEUTRAL;
        }
        for (Notice n : NOTICES) {
            if (n.logger().equals(logger.getName()) && format.contains(n.text())) {
                return FilterReply.DENY;
            }
        }
        String name = logger.getName();
        if (name.equals(PARTITION_STATE) && notMemberOfPartitionService(format, t)) {
            return FilterReply.DENY;
        }
        if (name.equals(MIGRATION_REQUEST) && t != null && t.getMessage() != null
                && t.getMessage().contains(EARLY_MIGRATION.text())) {
            migrationId(format).ifPresent(this::remember);
            return FilterReply.DENY;
        }
        if (name.equals(MIGRATION_MANAGER) && format.contains("Migration failed: ")
                && migrationId(format).map(this::forget).orElse(false)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    private static boolean notMemberOfPartitionService(String format, Throwable t) {
        String text = t == null ? format : format + " " + t;
        return text.contains(NOT_MEMBER) && text.contains(PARTITION_SERVICE);
    }

    private synchronized void remember(String id) {
        earlyMigrations.add(id);
    }

    private synchronized boolean forget(String id) {
        return earlyMigrations.remove(id);
    }

    private static Optional<String> migrationId(String text) {
        int at = text.indexOf(MIGRATION_ID);
        if (at < 0) {
            return Optional.empty();
        }
        int from = at + MIGRATION_ID.length();
        int to = text.indexOf(',', from);
        return to < 0 ? Optional.empty() : Optional.of(text.substring(from, to));
    }
}
