package dev.baton.coordinator;

import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Baton's meters for Micrometer: bind it to a registry and add it to the manager as a listener.
 *
 * <pre>{@code
 * BatonMetrics metrics = new BatonMetrics(coordination, true);
 * metrics.bindTo(registry);                  // Spring Boot binds MeterBinder beans by itself
 * Baton.manager(coordination).listener(metrics)...
 * }</pre>
 *
 * Meters (Prometheus names in brackets): {@code baton.executions} [{@code baton_executions_total}]
 * by worker and outcome; {@code baton.execution.duration} and {@code baton.start.lateness} (timers
 * with histogram buckets); {@code baton.failovers} by kind; {@code baton.claims.lost};
 * {@code baton.leases.held}; {@code baton.cluster.members}; {@code baton.cluster.quorum.present};
 * {@code baton.session.renewals}; {@code baton.sessions.expired}. Micrometer is an optional
 * dependency of Baton: add {@code micrometer-core} to use this class.
 */
public final class BatonMetrics implements MeterBinder, ExecutionListener {

    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    /** Every registry this binder is bound to; meters made before a late binding reach it too. */
    private final CompositeMeterRegistry registries = new CompositeMeterRegistry();
    private final boolean perWorker;
    private final Supplier<CoordinationStatus> status;
    private final Map<String, Counter> executions = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Timer> lateness = new ConcurrentHashMap<>();
    private final Map<String, Counter> claimsLost = new ConcurrentHashMap<>();
    private final Map<String, Counter> failovers = new ConcurrentHashMap<>();

    /**
     * Makes the meters.
     *
     * @param coordination the coordination whose status the gauges read (at most twice a second)
     * @param perWorker    label execution meters with the worker's name; off for thousands of
     *                     workers, where one series per worker costs more than it tells
     */
    public BatonMetrics(Coordination coordination, boolean perWorker) {
        this.perWorker = perWorker;
        this.status = new CachedStatus(Objects.requireNonNull(coordination, "coordination"));
    }

    /** The gauges, made once the first registry is bound: Micrometer warns of meters made before one is. */
    private void registerGauges() {
        Gauge.builder("baton.leases.held", () -> status.get().leasesHeld())
                .description("Leases this node holds now").register(registries);
        Gauge.builder("baton.cluster.members", () -> status.get().members())
                .description("Members this node sees, itself included").register(registries);
        Gauge.builder("baton.cluster.quorum.present", () -> status.get().quorumPresent() ? 1 : 0)
                .description("1 if this node sees a quorum and its session is valid").register(registries);
        FunctionCounter.builder("baton.session.renewals", status, s -> s.get().renewals())
                .description("Renewals of this node's session acknowledged by other members").register(registries);
        FunctionCounter.builder("baton.sessions.expired", status, s -> s.get().expiredSessions())
                .description("Sessions seen to expire").register(registries);
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        boolean first = registries.getRegistries().isEmpty();
        registries.add(Objects.requireNonNull(registry, "registry"));
        if (first) {
            registerGauges();
        }
    }

    private String label(String worker) {
        return perWorker ? worker : "all";
    }

    /** {@inheritDoc} */
    @Override
    public void started(ExecutionStart start) {
        lateness.computeIfAbsent(label(start.worker()), w -> Timer.builder("baton.start.lateness")
                .description("How late executions start after their slot").tag("worker", w)
                .serviceLevelObjectives(BUCKETS).register(registries))
                .record(positive(start.startLateness()));
        if (start.kind().isFailover()) {
            failovers.computeIfAbsent(start.kind().name(), k -> Counter.builder("baton.failovers")
                    .description("Slots this node took over from a node that died or left mid-slot")
                    .tag("kind", k.toLowerCase(Locale.ROOT)).register(registries)).increment();
        }
    }

    /** {@inheritDoc} */
    @Override
    public void finished(ExecutionResult result) {
        String w = count(result);
        durations.computeIfAbsent(w, k -> Timer.builder("baton.execution.duration")
                .description("How long executions ran").tag("worker", k)
                .serviceLevelObjectives(BUCKETS).register(registries))
                .record(positive(result.duration()));
    }

    /** Counted with its outcome: a node that keeps losing leases before the start is paused past them. */
    @Override
    public void notStarted(ExecutionResult result) {
        count(result);
    }

    private String count(ExecutionResult result) {
        String w = label(result.worker());
        executions.computeIfAbsent(w + "|" + result.outcome(), k -> Counter.builder("baton.executions")
                .description("Executions by worker and outcome, also those whose lease was lost before they began")
                .tag("worker", w).tag("outcome", result.outcome().name().toLowerCase(Locale.ROOT))
                .register(registries)).increment();
        return w;
    }

    /** {@inheritDoc} */
    @Override
    public void claimLost(String worker, Instant slot) {
        claimsLost.computeIfAbsent(label(worker), w -> Counter.builder("baton.claims.lost")
                .description("Slots this node tried to claim and another node (or an earlier run) had")
                .tag("worker", w).register(registries)).increment();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The coordination's status, asked at most once per scrape burst. */
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
