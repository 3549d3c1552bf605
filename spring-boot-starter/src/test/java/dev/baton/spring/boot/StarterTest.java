package dev.baton.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.worker.BackgroundWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One application with its own Hazelcast Config bean: Baton prepares it, uses the member, reports health and meters. */
class StarterTest {

    static final AtomicInteger RUNS = new AtomicInteger();

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class OwnMemberApp {
        @Bean
        Config hazelcastConfig() {
            Config config = new Config().setClusterName("own-" + UUID.randomUUID()).setInstanceName("own-member");
            config.getNetworkConfig().setPort(16201).setPortAutoIncrement(false);
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
            config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
            config.setProperty("hazelcast.heartbeat.interval.seconds", "2");
            return config;
        }

        @Bean
        Runner runner() {
            return new Runner();
        }
    }

    static class Runner {
        @BatonScheduled(fixedRate = "200ms")
        void run() {
            RUNS.incrementAndGet();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class WrongSignatureApp {
        @Bean
        Wrong wrong() {
            return new Wrong();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class NoWorkersApp {
    }

    static class Wrong {
        @BatonScheduled(fixedRate = "1s")
        void run(String notAContext) {
        }
    }

    @Test
    void theApplicationsOwnMemberIsPreparedForBatonAndUsed() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OwnMemberApp.class)
                .web(WebApplicationType.NONE)
                .properties("baton.node-id=own", "baton.min-cluster-size=1", "spring.main.banner-mode=off")
                .run()) {
            HazelcastInstance member = context.getBean(HazelcastInstance.class);
            assertThat(member.getName()).isEqualTo("own-member");
            assertThat(member.getConfig().getProperty(HazelcastCoordination.MIN_CLUSTER_SIZE_PROPERTY)).isEqualTo("1");
            assertThat(member.getConfig().getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
            assertThat(member.getConfig().getProperty("hazelcast.heartbeat.interval.seconds"))
                    .as("the application's own setting is kept").isEqualTo("2");

            HealthIndicator health = context.getBean("batonHealthIndicator", HealthIndicator.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.UP));
            await().atMost(Duration.ofSeconds(30)).until(() -> RUNS.get() >= 3);
            assertThat(context.getBean(BackgroundWorkerManager.class).list()).extracting(w -> w.name())
                    .containsExactly("Runner.run");
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("baton.executions")
                    .tag("worker", "Runner.run").tag("outcome", "succeeded").counter() != null);
            assertThat(registry.get("baton.cluster.quorum.present").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("baton.execution.duration").tag("worker", "Runner.run").timer().count())
                    .isPositive();
        }
    }

    @Test
    void aMethodWithAnArgumentOtherThanTheContextIsRefusedAtStart() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(WrongSignatureApp.class).web(WebApplicationType.NONE)
                .properties("baton.enabled=true", "spring.main.banner-mode=off", "baton.port=16202",
                        "baton.bind=127.0.0.1").run())
                .hasStackTraceContaining("must take no argument or one WorkerContext");
    }

    @Test
    void aClaimAheadOutsideZeroToOneSecondIsRefusedAtStart() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(NoWorkersApp.class).web(WebApplicationType.NONE)
                .properties("baton.enabled=true", "spring.main.banner-mode=off", "baton.port=16203",
                        "baton.bind=127.0.0.1", "baton.claim-ahead=2s").run())
                .hasStackTraceContaining("claim ahead must be between 0 and 1000 ms, but was 2000 ms");
    }
}
