package dev.baton.example.passiveusers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The example application three times, as three replicas of one service on one PostgreSQL (a
 * container from the image docker/build-postgres-image.sh builds): the checker runs once per slot,
 * moves when the replica running it stops, and its writes carry rising fencing tokens.
 */
class PassiveUsersClusterIT {

    private static final int BASE_PORT = 17101;
    private static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer(
            DockerImageName.parse("baton-postgres:local").asCompatibleSubstituteFor("postgres"));
    private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

    @BeforeAll
    static void startDatabase() {
        POSTGRES.start();
    }

    @AfterAll
    static void stopDatabase() {
        POSTGRES.stop();
    }

    private ConfigurableApplicationContext replica(String id, int index, String cluster) {
        String members = "127.0.0.1:" + BASE_PORT + ",127.0.0.1:" + (BASE_PORT + 1) + ",127.0.0.1:" + (BASE_PORT + 2);
        // Command-line arguments, as a replica is started: they win over application.properties.
        ConfigurableApplicationContext context = new SpringApplicationBuilder(PassiveUsersApplication.class)
                .run("--spring.datasource.url=" + POSTGRES.getJdbcUrl(),
                        "--spring.datasource.username=" + POSTGRES.getUsername(),
                        "--spring.datasource.password=" + POSTGRES.getPassword(),
                        "--baton.node-id=" + id, "--baton.port=" + (BASE_PORT + index), "--baton.members=" + members,
                        "--baton.cluster-name=" + cluster, "--baton.shutdown-grace=5s", "--checker.period=1s",
                        "--checker.demo-users=200");
        replicas.add(context);
        return context;
    }

    @Test
    void threeReplicasRunTheCheckerOncePerSlotAndItMovesWhenItsReplicaStops() {
        String cluster = "passive-users-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            replica("a", 0, cluster);
            replica("b", 1, cluster);
            replica("c", 2, cluster);
            JdbcTemplate db = replicas.getFirst().getBean(JdbcTemplate.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(db) >= 4);

            String holder = db.queryForObject("SELECT node FROM checker_runs ORDER BY slot DESC LIMIT 1", String.class);
            // Counted before the close: a graceful close takes seconds, in which the others already run it.
            int before = count(db);
            replicas.get(holder.charAt(0) - 'a').close();
            await().atMost(Duration.ofSeconds(30)).until(() -> db.queryForObject(
                    "SELECT count(*) FROM checker_runs WHERE node <> ? AND slot > (SELECT max(slot) FROM checker_runs"
                            + " WHERE node = ?)", Integer.class, holder, holder) >= 3);
            assertThat(count(db)).isGreaterThan(before);

            // The audit: every slot once, fences rising with the slots, the users really marked.
            List<Map<String, Object>> twice = db.queryForList(
                    "SELECT slot, count(*) AS runs FROM checker_runs GROUP BY slot HAVING count(*) > 1");
            assertThat(twice).as("slots run more than once").isEmpty();
            List<Long> fences = db.queryForList("SELECT fence FROM checker_runs ORDER BY slot", Long.class);
            assertThat(fences).isSorted().doesNotHaveDuplicates();
            List<Timestamp> slots = db.queryForList("SELECT slot FROM checker_runs ORDER BY slot", Timestamp.class);
            for (int i = 1; i < slots.size(); i++) {
                long apart = slots.get(i).getTime() - slots.get(i - 1).getTime();
                assertThat(apart % 1000).as("slots whole periods apart: %s", slots).isZero();
            }
            assertThat(db.queryForList("SELECT DISTINCT node FROM checker_runs", String.class)).hasSizeGreaterThan(1);
            assertThat(db.queryForObject("SELECT count(*) FROM users WHERE status = 'PASSIVE'", Integer.class))
                    .isPositive();
            assertThat(db.queryForObject("SELECT sum(marked) FROM checker_runs", Integer.class))
                    .isEqualTo(db.queryForObject("SELECT count(*) FROM users WHERE status = 'PASSIVE'", Integer.class));
        } finally {
            replicas.forEach(ConfigurableApplicationContext::close);
        }
    }

    private static int count(JdbcTemplate db) {
        return db.queryForObject("SELECT count(*) FROM checker_runs", Integer.class);
    }
}
