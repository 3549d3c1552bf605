package dev.baton.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;
import org.slf4j.Marker;

/**
 * Drops two Hazelcast warnings that mark nothing wrong in a Baton node, so that a newcomer's first
 * start shows no warning at all. Every other line of those loggers, and every error, passes.
 * <ul>
 *   <li>"No join method is enabled": the node enables one whenever BATON_MEMBERS or
 *       BATON_K8S_SERVICE_DNS is set, so it only marks the documented single-node default, which
 *       {@link Main} announces calmly;</li>
 *   <li>"Ignoring received partition table, startup is not completed yet": replicas started
 *       together (docker-compose, a Kubernetes rollout) race the master's first partition table
 *       against their own start; the master publishes the table again, and the member takes it.</li>
 * </ul>
 */
public final class HazelcastNoticeFilter extends TurboFilter {

    record Notice(String logger, String text) {
    }

    static final Notice STANDALONE = new Notice("com.hazelcast.instance.impl.Node",
            "No join method is enabled! Starting standalone.");
    static final Notice EARLY_PARTITION_TABLE = new Notice("com.hazelcast.internal.partition.InternalPartitionService",
            "Ignoring received partition table, startup is not completed yet.");
    private static final List<Notice> NOTICES = List.of(STANDALONE, EARLY_PARTITION_TABLE);

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level != Level.WARN || format == null) {
            return FilterReply.NEUTRAL;
        }
        for (Notice n : NOTICES) {
            if (n.logger().equals(logger.getName()) && format.contains(n.text())) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
