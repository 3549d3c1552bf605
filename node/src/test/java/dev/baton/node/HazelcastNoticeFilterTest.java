package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Only Hazelcast's notices are dropped, as warnings of their own loggers; everything else reaches the log. */
class HazelcastNoticeFilterTest {

    private static final String PREFIX = "[10.0.0.1]:5701 [baton] [5.7.0] ";

    private final LoggerContext context = new LoggerContext();
    /** What reaches the log, the filter in place as in logback.xml. */
    private final ListAppender<ILoggingEvent> seen = new ListAppender<>();

    @BeforeEach
    void filterInPlace() {
        HazelcastNoticeFilter filter = new HazelcastNoticeFilter();
        filter.start();
        context.addTurboFilter(filter);
        seen.setContext(context);
        seen.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(seen);
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
    }

    @Test
    void dropsTheStartNoticesAndKeepsEverythingElse() {

        String nodeLogger = HazelcastNoticeFilter.STANDALONE.logger();
        String partitions = HazelcastNoticeFilter.EARLY_PARTITION_TABLE.logger();
        Logger node = context.getLogger(nodeLogger);
        node.warn(PREFIX + "No join method is enabled! Starting standalone.");
        node.warn(PREFIX + "Could not connect to any member; starting alone");
        node.error(PREFIX + "No join method is enabled! Starting standalone.");
        context.getLogger("dev.baton.Other").warn("No join method is enabled! Starting standalone.");
        Logger partition = context.getLogger(partitions);
        partition.warn(PREFIX + "Ignoring received partition table, startup is not completed yet. Sender: "
                + "[10.0.0.2]:5701");
        partition.warn(PREFIX + "Following unknown addresses are found in partition table sent from "
                + "master[[172.22.0.2]:5701]. (Probably they have recently joined or left the cluster.) {\n"
                + "\t[172.22.0.4]:5701 - 2f0c0313-0000-4000-8000-000000000001\n}");
        partition.warn(PREFIX + "Partition table is not consistent with the master's");

        assertThat(seen.list).extracting(ILoggingEvent::getLoggerName, ILoggingEvent::getLevel).containsExactly(
                tuple(nodeLogger, Level.WARN),
                tuple(nodeLogger, Level.ERROR),
                tuple("dev.baton.Other", Level.WARN),
                tuple(partitions, Level.WARN));
    }

    /** A member stopping: its invocation monitor's task rejected by the executor that just shut down (run CA). */
    @Test
    void dropsTheInvocationMonitorsRejectionAsTheMemberStopsAndNoOtherError() {
        Logger monitor = context.getLogger(HazelcastNoticeFilter.INVOCATION_MONITOR);
        java.util.concurrent.RejectedExecutionException rejected = new java.util.concurrent.RejectedExecutionException(
                "Task java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask@465793a3 rejected");
        monitor.error(PREFIX + "Task " + rejected.getMessage(), rejected);
        monitor.error(PREFIX + "Something else broke", new IllegalStateException("broken"));
        context.getLogger("dev.baton.Other").error("rejected", rejected);

        assertThat(seen.list).extracting(ILoggingEvent::getLoggerName, ILoggingEvent::getLevel).containsExactly(
                tuple(HazelcastNoticeFilter.INVOCATION_MONITOR, Level.ERROR),
                tuple("dev.baton.Other", Level.ERROR));
    }

    /**
     * Replicas started together: the master's first migration to a member still starting fails and
     * is planned again. Its three warnings go; a migration that failed for another reason is kept,
     * and so is its "Migration failed".
     */
    @Test
    void dropsAMigrationThatRacedTheMembersStartAndKeepsOtherMigrationFailures() {
        String early = "Migration operation is received before startup is completed. Sender: [172.22.0.2]:5701";
        String raced = "MigrationInfo{uuid=27d8dc00-92c8-4106-9942-4b03b605d569, partitionId=7, source=null}";
        String other = "MigrationInfo{uuid=5f0c0313-0000-4000-8000-000000000001, partitionId=9, source=null}";
        Logger request = context.getLogger(HazelcastNoticeFilter.MIGRATION_REQUEST);
        Logger manager = context.getLogger(HazelcastNoticeFilter.MIGRATION_MANAGER);

        context.getLogger(HazelcastNoticeFilter.EARLY_MIGRATION.logger()).warn(PREFIX + early);
        request.warn(PREFIX + "Failure while executing " + raced, new IllegalStateException(early));
        manager.warn(PREFIX + "Migration failed: " + raced);
        request.warn(PREFIX + "Failure while executing " + other, new IllegalStateException("Partition is locked"));
        manager.warn(PREFIX + "Migration failed: " + other);
        manager.warn(PREFIX + "Migration failed: " + raced);

        assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                PREFIX + "Failure while executing " + other,
                PREFIX + "Migration failed: " + other,
                PREFIX + "Migration failed: " + raced);
    }

    /** Replicas started together: the master's partition table reached one before it listed the master. */
    @Test
    void dropsAPartitionTableThatReachedAMemberBeforeItListedTheMaster() {
        Logger state = context.getLogger(HazelcastNoticeFilter.PARTITION_STATE);
        String notMember = "com.hazelcast.spi.exception.CallerNotMemberException: Not Member! this: [192.168.0.3]:5701,"
                + " caller: [192.168.0.2]:5701, partitionId: -1, operation: "
                + HazelcastNoticeFilter.PARTITION_STATE + ", service: ";
        state.warn(PREFIX + notMember + "hz:core:partitionService");
        state.warn(PREFIX + "Failure", new IllegalStateException(notMember + "hz:core:partitionService"));
        state.warn(PREFIX + notMember + "hz:impl:mapService");
        state.warn(PREFIX + "Partition state version mismatch");

        assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                PREFIX + notMember + "hz:impl:mapService",
                PREFIX + "Partition state version mismatch");
    }
}
