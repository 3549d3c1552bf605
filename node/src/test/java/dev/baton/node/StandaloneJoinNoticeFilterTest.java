package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

/** Only Hazelcast's single-node notice is dropped; every other warning still reaches the log. */
class StandaloneJoinNoticeFilterTest {

    private static final String PREFIX = "[10.0.0.1]:5701 [baton] [5.7.0] ";

    @Test
    void dropsTheStandaloneNoticeAndKeepsEverythingElse() {
        LoggerContext context = new LoggerContext();
        StandaloneJoinNoticeFilter filter = new StandaloneJoinNoticeFilter();
        filter.start();
        context.addTurboFilter(filter);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(seen);
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);

        Logger node = context.getLogger(StandaloneJoinNoticeFilter.LOGGER);
        node.warn(PREFIX + "No join method is enabled! Starting standalone.");
        node.warn(PREFIX + "Could not connect to any member; starting alone");
        node.error(PREFIX + "No join method is enabled! Starting standalone.");
        context.getLogger("dev.baton.Other").warn("No join method is enabled! Starting standalone.");

        assertThat(seen.list).extracting(ILoggingEvent::getLoggerName, ILoggingEvent::getLevel).containsExactly(
                org.assertj.core.groups.Tuple.tuple(StandaloneJoinNoticeFilter.LOGGER, Level.WARN),
                org.assertj.core.groups.Tuple.tuple(StandaloneJoinNoticeFilter.LOGGER, Level.ERROR),
                org.assertj.core.groups.Tuple.tuple("dev.baton.Other", Level.WARN));
    }
}
