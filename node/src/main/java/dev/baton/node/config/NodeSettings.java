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
    public static final Setting<Duration> CLAIM_AHEAD = Setting.of("BATON_CLAIM_AHEAD", "100ms",
            "how long before a slot's instant the node that prefers the worker claims it (0 to claim at the instant)",
            NodeSettings::claimAhead);

    public static final Setting<String> LOG_LEVEL = Setting.of("BATON_LOG_LEVEL", "info",
            "the level of Baton's own log lines (Hazelcast stays at warn)",
            v -> Parsers.oneOf(v, "trace", "debug", "info", "warn", "error"));

    public static final Setting<String> CLUSTER_NAME = Setting.of("BATON_CLUSTER_NAME", "baton",
            "the Hazelcast cluster name; nodes join only a cluster of the same name", NodeSettings::clusterName);
    public static final Setting<String> BIND = Setting.of("BATON_BIND", null,
            "the address to bind and to advertise to other members; default: Hazelcast picks one",
            NodeSettings::address);
    public static final Setting<Integer> PORT = Setting.of("BATON_PORT", "5701",
            "the member port", v -> Parsers.intBetween(v, 1, 65535));
    public static final Setting<List<String>> MEMBERS = Setting.of("BATON_MEMBERS", null,
            "TCP-IP discovery: members to join, comma separated host[:port]", NodeSettings::members);
    public static final Setting<String> K8S_SERVICE_DNS = Setting.of("BATON_K8S_SERVICE_DNS", null,
            "Kubernetes DNS discovery: a headless service name (also a docker-compose service name)",
            NodeSettings::address);
    public static final Setting<Integer> MIN_CLUSTER_SIZE = Setting.of("BATON_MIN_CLUSTER_SIZE", "1",
            "an optional floor: never claim with fewer voters than this, even where they are a majority (2 keeps a"
                    + " node that starts cut off from running alone); quorums are majorities of the voters anyway",
            v -> Parsers.intBetween(v, 1, 1000));
    public static final Setting<Duration> VOTER_REMOVAL_DELAY = Setting.of("BATON_VOTER_REMOVAL_DELAY", "30s",
            "how long a voter may be gone without leaving (crashed, cut off) before the others remove it; a node"
                    + " restarted under the same id within this delay takes its seat back",
            v -> atLeast(Parsers.duration(v), Duration.ofSeconds(1)));
    public static final Setting<java.nio.file.Path> STATE_DIR = Setting.of("BATON_STATE_DIR", null,
            "a directory where the node keeps its voter state (one small file); a node restarted under the same id"
                    + " with it takes its voter seat back at once, one without it joins as a new voter",
            java.nio.file.Path::of);
    public static final Setting<Duration> LEASE = Setting.of("BATON_LEASE", "5s",
            "how long an execution keeps its lease without a renewal a quorum acknowledged",
            v -> atLeast(Parsers.duration(v), Duration.ofMillis(500)));
    public static final Setting<Duration> HEARTBEAT = Setting.of("BATON_HEARTBEAT", "1s",
            "Hazelcast's heartbeat interval", v -> atLeast(Parsers.duration(v), Duration.ofSeconds(1)));
    public static final Setting<Duration> HEARTBEAT_TIMEOUT = Setting.of("BATON_HEARTBEAT_TIMEOUT", "5s",
            "a member silent this long is removed from the cluster", v -> atLeast(Parsers.duration(v),
                    Duration.ofSeconds(2)));
    public static final Setting<Duration> MERGE_DELAY = Setting.of("BATON_MERGE_DELAY", "10s",
            "after a split, how soon and how often the sides look for each other to merge",
            v -> atLeast(Parsers.duration(v), Duration.ofSeconds(1)));
    public static final Setting<java.nio.file.Path> JOURNAL = Setting.of("BATON_JOURNAL", null,
            "a file to append one JSON line per execution start and end, flushed per line; a directory gets"
                    + " one file per node (<node id>.jsonl)", java.nio.file.Path::of);
    public static final Setting<List<java.nio.file.Path>> WORKER_PATH = Setting.of("BATON_WORKER_PATH", null,
            "where to find your own workers: jars or class directories, separated by ':', whose"
                    + " META-INF/services/dev.baton.worker.WorkerProvider names providers", NodeSettings::workerPath);
    public static final Setting<Integer> DRILL_WORKERS = Setting.of("BATON_DRILL_WORKERS", "0",
            "how many drill (probe) workers to run, to check fail-over and capacity", v -> Parsers.intBetween(v, 0,
                    1_000_000));
    public static final Setting<Duration> DRILL_PERIOD = Setting.of("BATON_DRILL_PERIOD", "1s",
            "the fixed rate of the drill workers", Parsers::positiveDuration);
    public static final Setting<WorkRange> DRILL_WORK = Setting.of("BATON_DRILL_WORK", "0ms",
            "simulated work per drill execution: a duration or a range such as 0-200ms", WorkRange::parse);

    public static final Setting<String> LOG_FORMAT = Setting.of("BATON_LOG_FORMAT", "text",
            "text for people, json for one JSON object per line with the MDC fields (log pipelines)",
            v -> Parsers.oneOf(v, "text", "json"));
    public static final Setting<Integer> HTTP_PORT = Setting.of("BATON_HTTP_PORT", "8080",
            "the port of the dashboard, the API, /health and /metrics; 0 picks a free one",
            v -> Parsers.intBetween(v, 0, 65535));
    public static final Setting<String> HTTP_BIND = Setting.of("BATON_HTTP_BIND", "0.0.0.0",
            "the address the HTTP server listens on", NodeSettings::address);
    public static final Setting<String> ADMIN_TOKEN = Setting.secret("BATON_ADMIN_TOKEN",
            "the bearer token for pause, resume and trigger; without it those are refused", NodeSettings::token);
    public static final Setting<Integer> HISTORY_SIZE = Setting.of("BATON_HISTORY_SIZE", "50",
            "how many recent executions of each worker the cluster keeps for the API and the dashboard",
            v -> Parsers.intBetween(v, 1, 1000));
    public static final Setting<Boolean> METRICS_PER_WORKER = Setting.of("BATON_METRICS_PER_WORKER", "true",
            "label execution metrics with the worker's name; turn off for thousands of workers", Parsers::bool);

    public static final List<Setting<?>> ALL = List.of(Config.CONFIG_FILE, NODE_ID, PASSIVE_USERS_PERIOD,
            PASSIVE_AFTER, DEMO_USERS, SHUTDOWN_GRACE, CLAIM_AHEAD, LOG_LEVEL, LOG_FORMAT, CLUSTER_NAME, BIND, PORT, MEMBERS,
            K8S_SERVICE_DNS, MIN_CLUSTER_SIZE, VOTER_REMOVAL_DELAY, STATE_DIR, LEASE, HEARTBEAT, HEARTBEAT_TIMEOUT, MERGE_DELAY, JOURNAL, DRILL_WORKERS,
            DRILL_PERIOD, DRILL_WORK, WORKER_PATH, HTTP_PORT, HTTP_BIND, ADMIN_TOKEN, HISTORY_SIZE, METRICS_PER_WORKER);

    private NodeSettings() {
    }

    private static Duration claimAhead(String value) {
        Duration d = Parsers.duration(value);
        if (d.isNegative() || d.compareTo(dev.baton.coordinator.Baton.MAX_CLAIM_AHEAD) > 0) {
            throw new IllegalArgumentException("a duration from 0 to 1s, such as 100ms");
        }
        return d;
    }

    private static List<java.nio.file.Path> workerPath(String value) {
        List<java.nio.file.Path> paths = new java.util.ArrayList<>();
        for (String part : value.split(":")) {
            if (part.isBlank()) {
                continue;
            }
            java.nio.file.Path p = java.nio.file.Path.of(part.trim());
            if (!java.nio.file.Files.exists(p)) {
                throw new IllegalArgumentException("jars or directories that exist, separated by ':' (" + p
                        + " does not exist)");
            }
            paths.add(p);
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("at least one jar or directory");
        }
        return List.copyOf(paths);
    }

    private static Duration atLeast(Duration d, Duration min) {
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("a duration of at least " + min.toMillis() + "ms");
        }
        return d;
    }

    private static String clusterName(String value) {
        String v = value.trim();
        if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("1 to 63 letters, digits, '.', '_' or '-', such as baton-prod");
        }
        return v;
    }

    private static String address(String value) {
        String v = value.trim();
        if (!v.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
            throw new IllegalArgumentException("a host name or an IPv4 address, such as 10.0.0.5 or baton.default.svc");
        }
        return v;
    }

    private static List<String> members(String value) {
        List<String> members = new java.util.ArrayList<>();
        for (String part : value.split(",")) {
            String m = part.trim();
            if (m.isEmpty()) {
                continue;
            }
            String[] hostPort = m.split(":", -1);
            if (hostPort.length > 2 || !hostPort[0].matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
                throw new IllegalArgumentException("comma separated host[:port] entries, such as"
                        + " 10.0.0.5:5701,10.0.0.6 ('" + m + "' is not one)");
            }
            if (hostPort.length == 2) {
                try {
                    Parsers.intBetween(hostPort[1], 1, 65535);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("comma separated host[:port] entries with ports from 1 to"
                            + " 65535 ('" + m + "' is not one)");
                }
            }
            members.add(m);
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException("at least one host[:port], such as 10.0.0.5:5701");
        }
        return List.copyOf(members);
    }

    private static String token(String value) {
        String v = value.trim();
        if (v.length() < 16 || !v.matches("[\\x21-\\x7e]+")) {
            throw new IllegalArgumentException("at least 16 printable characters without spaces (generate one with"
                    + " 'openssl rand -hex 24')");
        }
        return v;
    }

    private static String nodeId(String value) {
        String v = value.trim();
        if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("1 to 63 letters, digits, '.', '_' or '-', such as node-1");
        }
        return v;
    }
}
