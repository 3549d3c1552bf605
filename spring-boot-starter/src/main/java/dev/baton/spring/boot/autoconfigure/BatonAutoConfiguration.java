package dev.baton.spring.boot.autoconfigure;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.coordinator.Baton;
import dev.baton.coordinator.BatonHealth;
import dev.baton.coordinator.BatonMetrics;
import dev.baton.coordinator.HazelcastCoordination;
import dev.baton.spring.boot.BatonProperties;
import dev.baton.spring.boot.ExecutionScoped;
import dev.baton.spring.boot.internal.BatonHealthIndicator;
import dev.baton.spring.boot.internal.BatonLifecycle;
import dev.baton.spring.boot.internal.ConfigPreparer;
import dev.baton.spring.boot.internal.ExecutionScope;
import dev.baton.spring.boot.internal.MemberConfig;
import dev.baton.spring.boot.internal.ScheduledMethods;
import dev.baton.spring.boot.internal.SpringServiceScopes;
import dev.baton.worker.BackgroundWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExceptionNotifier;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.spi.Coordination;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.beans.factory.config.EmbeddedValueResolver;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Baton in a Spring Boot application. It uses the application's {@link HazelcastInstance} when
 * there is one (a Hazelcast {@code Config} bean, or Boot's {@code hazelcast.yaml}, gets Baton's
 * structures and timing before the member starts), or builds one from {@code baton.*}. Worker
 * beans and {@code @BatonScheduled} methods are added when the context has started; the manager
 * drains before the member shuts down.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.hazelcast.autoconfigure.HazelcastAutoConfiguration",
    "org.springframework.boot.autoconfigure.hazelcast.HazelcastAutoConfiguration"})
@ConditionalOnProperty(prefix = "baton", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BatonProperties.class)
public class BatonAutoConfiguration {

    /** Made by Spring. */
    public BatonAutoConfiguration() {
    }

    /**
     * Prepares the application's Hazelcast {@code Config} beans for Baton.
     *
     * @param environment where {@code baton.*} is read
     * @return the post-processor
     */
    @Bean
    static ConfigPreparer batonConfigPreparer(Environment environment) {
        return new ConfigPreparer(environment);
    }

    /**
     * Finds {@code @BatonScheduled} methods.
     *
     * @param beanFactory resolves placeholders in the annotations
     * @return the post-processor
     */
    @Bean
    static ScheduledMethods batonScheduledMethods(ConfigurableBeanFactory beanFactory) {
        return new ScheduledMethods(new EmbeddedValueResolver(beanFactory));
    }

    /**
     * Registers the {@code baton-execution} scope.
     *
     * @return the scope's registration
     */
    @Bean
    static CustomScopeConfigurer batonExecutionScope() {
        CustomScopeConfigurer configurer = new CustomScopeConfigurer();
        configurer.addScope(ExecutionScoped.NAME, new ExecutionScope());
        return configurer;
    }

    /**
     * A member built from {@code baton.*}, when the application has none; shut down after the manager.
     *
     * @param properties the settings
     * @return the running member
     */
    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(HazelcastInstance.class)
    HazelcastInstance batonHazelcastInstance(BatonProperties properties) {
        return Hazelcast.newHazelcastInstance(MemberConfig.build(properties, nodeId(properties)));
    }

    /**
     * Baton's coordination on the member; closed by the manager.
     *
     * @param hazelcast  the member, prepared for Baton
     * @param properties the settings
     * @return the coordination
     */
    @Bean(destroyMethod = "")
    Coordination batonCoordination(HazelcastInstance hazelcast, BatonProperties properties) {
        HazelcastCoordination.Builder builder = HazelcastCoordination.builder(hazelcast)
                .nodeId(nodeId(properties))
                .lease(properties.getLease())
                .voterRemovalDelay(properties.getVoterRemovalDelay());
        if (properties.getStateDir() != null) {
            builder.stateDirectory(properties.getStateDir());
        }
        return builder.build();
    }

    /**
     * The manager, with the context's listeners and notifiers, and scopes over the context.
     *
     * @param coordination the coordination
     * @param properties   the settings
     * @param beanFactory  the context, for the execution scopes
     * @param listeners    the context's execution listeners (Baton's meters among them)
     * @param notifiers    the context's exception notifiers
     * @return the manager; started by {@link BatonLifecycle}
     */
    @Bean(destroyMethod = "close")
    BackgroundWorkerManager batonManager(Coordination coordination, BatonProperties properties,
                                         ConfigurableBeanFactory beanFactory,
                                         ObjectProvider<ExecutionListener> listeners,
                                         ObjectProvider<ExceptionNotifier> notifiers) {
        Baton.Builder builder = Baton.manager(coordination)
                .services(new SpringServiceScopes((org.springframework.beans.factory.ListableBeanFactory) beanFactory))
                .shutdownGrace(properties.getShutdownGrace())
                .claimAhead(properties.getClaimAhead());
        listeners.orderedStream().forEach(builder::listener);
        notifiers.orderedStream().forEach(builder::exceptionNotifier);
        return builder.build();
    }

    /**
     * Adds the worker beans and starts the manager last; stops it first.
     *
     * @param manager    the manager
     * @param periodic   the context's periodic workers
     * @param continuous the context's continuous workers
     * @param methods    the {@code @BatonScheduled} methods
     * @return the lifecycle
     */
    @Bean
    BatonLifecycle batonLifecycle(BackgroundWorkerManager manager, ObjectProvider<PeriodicBackgroundWorker> periodic,
                                  ObjectProvider<BackgroundWorker> continuous, ScheduledMethods methods) {
        return new BatonLifecycle(manager, periodic.orderedStream().toList(), continuous.orderedStream().toList(),
                methods);
    }

    /**
     * The library's health check.
     *
     * @param coordination the coordination
     * @return the check
     */
    @Bean
    BatonHealth batonHealth(Coordination coordination) {
        return new BatonHealth(coordination);
    }

    static String nodeId(BatonProperties properties) {
        if (properties.getNodeId() != null && !properties.getNodeId().isBlank()) {
            return properties.getNodeId();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot tell this host's name (" + e.getMessage() + "); set baton.node-id",
                    e);
        }
    }

    /** Baton's meters, bound by Boot to the application's registries. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {

        /**
         * The meters, with the node's names.
         *
         * @param coordination the coordination whose status the gauges read
         * @param properties   whether meters carry the worker's name
         * @return the binder, also an execution listener
         */
        @Bean
        BatonMetrics batonMetrics(Coordination coordination, BatonProperties properties) {
            return new BatonMetrics(coordination, properties.isMetricsPerWorker());
        }
    }

    /** Actuator's health of Baton, named {@code baton}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class HealthIndicators {

        /**
         * The indicator.
         *
         * @param health    the library's check
         * @param lifecycle whether the manager runs
         * @param manager   the workers' state
         * @return the indicator
         */
        @Bean
        BatonHealthIndicator batonHealthIndicator(BatonHealth health, BatonLifecycle lifecycle,
                                                  BackgroundWorkerManager manager) {
            return new BatonHealthIndicator(health, lifecycle, manager);
        }
    }

    /** Baton's settings on a member Boot builds from {@code hazelcast.yaml} or {@code hazelcast.xml}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.hazelcast.autoconfigure.HazelcastConfigCustomizer")
    static class HazelcastFileConfig {

        /**
         * The customizer.
         *
         * @param properties the settings
         * @return a customizer that prepares the member for Baton
         */
        @Bean
        org.springframework.boot.hazelcast.autoconfigure.HazelcastConfigCustomizer batonConfigCustomizer(
                BatonProperties properties) {
            return config -> MemberConfig.prepare(config, properties);
        }
    }
}
