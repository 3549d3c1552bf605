package dev.baton.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Hazelcast's one warning that no join method is enabled. The node enables one whenever
 * BATON_MEMBERS or BATON_K8S_SERVICE_DNS is set, so the warning only ever marks the documented
 * single-node default, which {@link Main} announces calmly. Every other line of that logger passes.
 */
public final class StandaloneJoinNoticeFilter extends TurboFilter {

    static final String LOGGER = "com.hazelcast.instance.impl.Node";
    static final String MESSAGE = "No join method is enabled! Starting standalone.";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        boolean standaloneNotice = level == Level.WARN && format != null && format.endsWith(MESSAGE)
                && LOGGER.equals(logger.getName());
        return standaloneNotice ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
