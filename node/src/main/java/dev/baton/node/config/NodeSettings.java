package dev.baton.node.config;

import java.time.Duration;
import java.util.List;

/** Every setting the node reads. The README's configuration table lists the same names. */
public final class NodeSettings {

    public static final Setting<String> NODE_ID = Setting.of("BATON_NODE_ID", null,
            "this node's id in logs and records; default: the host name", NodeSettings::nodeId);
    public static final Setting<Duration> PASSIVE_USERS_PERIOD = Setting.of("BATON_PASSIVE_USERS_PERIOD", "10s",
            "how often the passive-user checker runs (fixed delay between runs)", Parsers::positiveDuration);
    public static final Setting<Duration> PASSIVE_AFTER = Setting.of("BATON_PASSIVE_AFTER", "30d",
            "users who have not logged in for this long are marked passive", Parsers::positiveDuration);
    public static final Setting<Integer> DEMO_USERS = Setting.of("BATON_DEMO_USERS", "1000",
            "how many demo users the in-memory user store starts with", v -> Parsers.intBetween(v, 0, 10_000_000));
    public static final Setting<Duration> SHUTDOWN_GRACE = Setting.of("BATON_SHUTDOWN_GRACE", "10s",
            "on shutdown, how long running executions may finish before they are interrupted",
            Parsers::nonNegativeDuration);

    public static final Setting<String> LOG_LEVEL = Setting.of("BATON_LOG_LEVEL", "info",
            "the level of Baton's own log lines (Hazelcast stays at warn)",
            v -> Parsers.oneOf(v, "trace", "debug", "info", "warn", "error"));

    public static final List<Setting<?>> ALL = List.of(Config.CONFIG_FILE, NODE_ID, PASSIVE_USERS_PERIOD,
            PASSIVE_AFTER, DEMO_USERS, SHUTDOWN_GRACE, LOG_LEVEL);

    private NodeSettings() {
    }

    private static String nodeId(String value) {
        String v = value.trim();
        if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("1 to 63 letters, digits, '.', '_' or '-', such as node-1");
        }
        return v;
    }
}
