package dev.baton.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/** Three application contexts in this JVM, one cluster over TCP on loopback, as three replicas of a service. */
class StarterClusterTest {

    private static final int BASE_PORT = 16101;
    private final String cluster = "starter-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    @AfterEach
    void stop() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    private ConfigurableApplicationContext start(int i) {
        String members = "127.0.0.1:" + BASE_PORT + ",127.0.0.1:" + (BASE_PORT + 1) + ",127.0.0.1:" + (BASE_PORT + 2);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ClusterApp.class)
                .web(WebApplicationType.NONE)
                .properties("baton.node-id=n" + i, "baton.cluster-name=" + cluster, "baton.bind=127.0.0.1",
                        "baton.port=" + (BASE_PORT + i - 1), "baton.members=" + members, "baton.min-cluster-size=2",
                        "baton.shutdown-grace=5s", "spring.main.banner-mode=off")
                .run();
        contexts.add(context);
        HazelcastInstance member = context.getBean(HazelcastInstance.class);
        member.getLifecycleService().addLifecycleListener(e -> ClusterApp.EVENTS.add("member n" + i + " "
                + e.getState()));
        return context;
    }

    @Test
    void threeContextsRunEachSlotOnceDisposeScopesStopGracefullyAndGoDownWithoutQuorum() throws Exception {
        ClusterApp.reset();
        ConfigurableApplicationContext n1 = start(1);
        ConfigurableApplicationContext n2 = start(2);
        ConfigurableApplicationContext n3 = start(3);
        HealthIndicator health = n1.getBean("batonHealthIndicator", HealthIndicator.class);
        await().atMost(Duration.ofSeconds(40)).until(() -> health.health().getStatus().equals(Status.UP));
        await().atMost(Duration.ofSeconds(30)).until(() -> ticks().size() >= 10);

        // Graceful stop: the node running "slow" finishes it, then leaves; its member shuts down after that.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> ClusterApp.slowRunsOn != null);
        String holder = ClusterApp.slowRunsOn;
        ConfigurableApplicationContext running = contexts.get(Integer.parseInt(holder.substring(1)) - 1);
        int before = ClusterApp.EVENTS.size();
        running.close();
        List<String> events = ClusterApp.EVENTS.subList(before, ClusterApp.EVENTS.size());
        int finished = events.indexOf("finished slow " + holder + " SUCCEEDED");
        int shuttingDown = events.indexOf("member " + holder + " SHUTTING_DOWN");
        assertThat(finished).as("the execution running at close finished before the member shut down: %s", events)
                .isNotNegative().isLessThan(shuttingDown);
        await().atMost(Duration.ofSeconds(15)).until(() -> ClusterApp.RUNS.stream()
                .anyMatch(r -> r.worker().equals("slow") && !r.node().equals(holder)));

        // Once per slot, fences rising with the slots, across the hand-over.
        List<ClusterApp.Run> ticks = ticks();
        Map<Instant, Long> perSlot = ticks.stream().collect(Collectors.groupingBy(ClusterApp.Run::slot,
                Collectors.counting()));
        assertThat(perSlot.values()).as("runs per slot").containsOnly(1L);
        List<ClusterApp.Run> bySlot = ticks.stream().sorted(Comparator.comparing(ClusterApp.Run::slot)).toList();
        assertThat(bySlot).extracting(ClusterApp.Run::fence).isSorted().doesNotHaveDuplicates();

        // One execution-scoped unit per execution, each its own, none used after its execution.
        assertThat(ticks).extracting(ClusterApp.Run::unitOfWork).doesNotContain(-1).doesNotHaveDuplicates();

        // The survivors lose their quorum when one more leaves: floor 2, one node left.
        ConfigurableApplicationContext survivor = contexts.stream().filter(c -> c != running && c.isActive())
                .findFirst().orElseThrow();
        contexts.stream().filter(c -> c != running && c != survivor).forEach(ConfigurableApplicationContext::close);
        HealthIndicator alone = survivor.getBean("batonHealthIndicator", HealthIndicator.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> alone.health().getStatus().equals(Status.DOWN));
        assertThat(alone.health().getDetails()).containsEntry("quorumPresent", false).containsKey("problem");
        survivor.close();
        assertThat(ClusterApp.UNITS_CLOSED.get()).as("every unit made was closed")
                .isEqualTo(ClusterApp.UNITS_MADE.get()).isGreaterThanOrEqualTo(ticks.size());
        assertThat(n1.isActive() || n2.isActive() || n3.isActive()).isFalse();
    }

    private static List<ClusterApp.Run> ticks() {
        return ClusterApp.RUNS.stream().filter(r -> r.worker().equals("tick")).toList();
    }

}
