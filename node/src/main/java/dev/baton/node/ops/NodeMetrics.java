package dev.baton.node.ops;

import dev.baton.coordinator.BatonMetrics;
import dev.baton.worker.spi.Coordination;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The node's metrics for Prometheus: Baton's own (the library's {@link BatonMetrics}) and the JVM's. */
public final class NodeMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final BatonMetrics baton;

    /**
     * @param perWorker label executions with the worker's name; off for fleets of thousands of
     *                  workers, where one series per worker costs more than it tells
     */
    public NodeMetrics(Coordination coordination, boolean perWorker) {
        registry.config().commonTags("node", coordination.nodeId());
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        baton = new BatonMetrics(coordination, perWorker);
        baton.bindTo(registry);
    }

    /** Baton's meters, to add to the manager as a listener. */
    public BatonMetrics baton() {
        return baton;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
