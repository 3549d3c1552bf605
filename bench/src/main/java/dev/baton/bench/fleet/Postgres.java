package dev.baton.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * The PostgreSQL that db-scheduler's nodes share. bench/run.sh starts a throwaway one; the
 * benchmark empties db-scheduler's table before each fleet and reads the server's CPU time, which
 * is part of what db-scheduler costs.
 *
 * @param url     JDBC URL, user included, e.g. {@code jdbc:postgresql://127.0.0.1:55432/bench?user=bench}
 * @param dataDir the server's data directory, to find its processes; empty if it runs elsewhere
 */
public record Postgres(String url, Optional<Path> dataDir) {

    public Postgres {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--postgres must be a JDBC URL such as"
                    + " jdbc:postgresql://127.0.0.1:55432/bench?user=bench, got '" + url + "'");
        }
    }

    /**
     * Drops and re-creates db-scheduler's table with the columns and indexes of its PostgreSQL schema
     * (version 16), so that every fleet starts with no executions and no dead rows. Vacuum runs as soon
     * as 5,000 rows are dead: every execution updates its row twice, changing indexed columns.
     */
    public void resetSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS scheduled_tasks");
            s.execute("""
                    CREATE TABLE scheduled_tasks (
                      task_name text NOT NULL,
                      task_instance text NOT NULL,
                      task_data bytea,
                      execution_time timestamp with time zone NOT NULL,
                      picked boolean NOT NULL,
                      picked_by text,
                      last_success timestamp with time zone,
                      last_failure timestamp with time zone,
                      consecutive_failures int,
                      last_heartbeat timestamp with time zone,
                      version bigint NOT NULL,
                      priority smallint,
                      PRIMARY KEY (task_name, task_instance)
                    ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                            autovacuum_vacuum_cost_delay = 0)""");
            s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
            s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            s.execute("CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    /** The server's version and the settings a benchmark of it depends on, as the server reports them. */
    public String describe() {
        StringBuilder d = new StringBuilder();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String setting : List.of("server_version", "synchronous_commit", "fsync", "shared_buffers",
                    "max_connections", "wal_level", "max_wal_size", "autovacuum_naptime", "jit")) {
                try (ResultSet r = s.executeQuery("SHOW " + setting)) {
                    r.next();
                    d.append(setting.equals("server_version") ? r.getString(1).split(" ")[0] + ":"
                            : " " + setting + "=" + r.getString(1) + ",");
                }
            }
            d.setLength(d.length() - 1);
            return d.append(" (a throwaway server on loopback, sharing the cores with the nodes)").toString();
        } catch (SQLException e) {
            return d.append("(cannot tell: ").append(e.getMessage()).append(')').toString();
        }
    }

    /**
     * CPU seconds the server has used so far: the postmaster, its live processes, and those that
     * exited. NaN when the data directory is unknown or the server is not running.
     */
    public double cpuSeconds() {
        if (dataDir.isEmpty()) {
            return Double.NaN;
        }
        long postmaster;
        try {
            postmaster = Long.parseLong(Files.readAllLines(dataDir.get().resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        double seconds = Proc.cpuSeconds(postmaster, true);
        for (long child : Proc.children(postmaster)) {
            double c = Proc.cpuSeconds(child, false);
            if (!Double.isNaN(c)) {
                seconds += c;
            }
        }
        return seconds;
    }
}
