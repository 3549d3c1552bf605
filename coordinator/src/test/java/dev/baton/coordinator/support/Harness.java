package dev.baton.coordinator.support;

import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.InMemoryCluster;
import dev.baton.coordinator.InMemoryCoordination;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExceptionNotifier;
import dev.baton.worker.ServiceScopeFactory;
import dev.baton.worker.ServiceContainer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/** A manager on manual time and an in-memory cluster: everything an engine test needs. */
public final class Harness implements AutoCloseable {

    public static final Instant START = Instant.parse("2026-01-01T00:00:03Z");

    public final ManualTime time = ManualTime.at(START);
    public final InMemoryCluster cluster = InMemoryCoordination.cluster(time.clock(), Duration.ofSeconds(30));
    public final Recorder recorder = new Recorder();
    public final BackgroundWorkerManager manager;

    public Harness() {
        this(ServiceContainer.builder().build(), Duration.ofSeconds(2), (r, e) -> { });
    }

    public Harness(ServiceScopeFactory services, Duration shutdownGrace, ExceptionNotifier notifier) {
        this(services, shutdownGrace, notifier, Baton.DEFAULT_CLAIM_AHEAD);
    }

    /** With slots claimed {@code claimAhead} before their instant (zero: at it). */
    public Harness(Duration claimAhead) {
        this(ServiceContainer.builder().build(), Duration.ofSeconds(2), (r, e) -> { }, claimAhead);
    }

    private Harness(ServiceScopeFactory services, Duration shutdownGrace, ExceptionNotifier notifier,
                    Duration claimAhead) {
        manager = Baton.manager(cluster.node("n1"))
                .scheduler(time)
                .services(services)
                .listener(recorder)
                .exceptionNotifier(notifier)
                .shutdownGrace(shutdownGrace)
                .claimAhead(claimAhead)
                .build();
    }

    /** A worker name the balance gives to {@code preferred} once both nodes have registered it. */
    public static String workerPreferredBy(String preferred, String other) {
        return java.util.stream.IntStream.range(0, 100).mapToObj(i -> "w" + i)
                .filter(w -> preferred.equals(dev.baton.coordinator.internal.Balance.assign(
                        java.util.Map.of(preferred, java.util.Set.of(w), other, java.util.Set.of(w))).get(w)))
                .findFirst().orElseThrow();
    }

    public static Instant at(String hhmmss) {
        return Instant.parse("2026-01-01T" + hhmmss + "Z");
    }

    public void advanceTo(String hhmmss) {
        time.advance(Duration.between(time.now(), at(hhmmss)));
    }

    /** Waits (bounded) for a condition that a released execution makes true, then lets the engine settle. */
    public void awaitThen(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(10)).until(condition);
        time.settle();
    }

    @Override
    public void close() {
        manager.close();
    }
}
