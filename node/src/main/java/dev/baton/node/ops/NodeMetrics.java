package dev.baton.node.ops;

import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The node's metrics for Prometheus: Baton's own and the JVM's. */
public final class NodeMetrics implements ExecutionListener, AutoCloseable {

    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final boolean perWorker;
    private final Map<String, Counter> executions = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Timer> lateness = new ConcurrentHashMap<>();
    private final Map<String, Counter> claimsLost = new ConcurrentHashMap<>();
    private final Map<String, Counter> failovers = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * @param perWorker label executions with the worker's name; off for fleets of thousands of
     *                  workers, where one series per worker costs more than it tells
     */
    public NodeMetrics(Coordination coordination, boolean perWorker) {
        this.perWorker = perWorker;
        registry.config().commonTags("node", coordination.nodeId());
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Supplier<CoordinationStatus> status = new CachedStatus(coordination);
        Gauge.builder("baton.leases.held", () -> status.get().leasesHeld())
                .description("Leases this node holds now").register(registry);
        Gauge.builder("baton.cluster.members", () -> status.get().members())
                .description("Members this node sees, itself included").register(registry);
        Gauge.builder("baton.cluster.quorum.present", () -> status.get().quorumPresent() ? 1 : 0)
                .description("1 if this node sees a quorum and its session is valid").register(registry);
        FunctionCounter.builder("baton.session.renewals", status, s -> s.get().renewals())
                .description("Renewals of this node's session acknowledged by other members").register(registry);
        FunctionCounter.builder("baton.sessions.expired", status, s -> s.get().expiredSessions())
                .description("Sessions seen to expire").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    private String label(String worker) {
        return perWorker ? worker : "all";
    }

    @Override
    public void started(ExecutionStart start) {
        lateness.computeIfAbsent(label(start.worker()), w -> Timer.builder("baton.start.lateness")
                .description("How late executions start after their slot").tag("worker", w)
                .serviceLevelObjectives(BUCKETS).register(registry))
                .record(positive(start.startLateness()));
        if (start.kind().isFailover()) {
            failovers.computeIfAbsent(start.kind().name(), k -> Counter.builder("baton.failovers")
                    .description("Slots this node took over from a node that died or left mid-slot")
                    .tag("kind", k.toLowerCase()).register(registry)).increment();
        }
    }

    @Override
    public void finished(ExecutionResult result) {
        String w = label(result.worker());
        executions.computeIfAbsent(w + "|" + result.outcome(), k -> Counter.builder("baton.executions")
                .description("Finished executions by worker and outcome").tag("worker", w)
                .tag("outcome", result.outcome().name().toLowerCase()).register(registry)).increment();
        durations.computeIfAbsent(w, k -> Timer.builder("baton.execution.duration")
                .description("How long executions ran").tag("worker", k)
                .serviceLevelObjectives(BUCKETS).register(registry))
                .record(positive(result.duration()));
    }

    @Override
    public void claimLost(String worker, Instant slot) {
        claimsLost.computeIfAbsent(label(worker), w -> Counter.builder("baton.claims.lost")
                .description("Slots this node tried to claim and another node (or an earlier run) had")
                .tag("worker", w).register(registry)).increment();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    /** The coordination's status, computed at most once per scrape burst. */
    private static final class CachedStatus implements Supplier<CoordinationStatus> {
        private final Coordination coordination;
        private volatile CoordinationStatus last;
        private volatile long at;

        CachedStatus(Coordination coordination) {
            this.coordination = coordination;
        }

        @Override
        public CoordinationStatus get() {
            long now = System.nanoTime();
            if (last == null || now - at > 500_000_000L) {
                last = coordination.status();
                at = now;
            }
            return last;
        }
    }
}
