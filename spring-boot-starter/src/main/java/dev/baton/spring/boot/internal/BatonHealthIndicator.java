package dev.baton.spring.boot.internal;

import dev.baton.coordinator.BatonHealth;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.WorkerInfo;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator's view of Baton: UP while the manager runs and this node sees a quorum of the voters
 * with a valid session; DOWN otherwise. Details: the node, quorum, voters, members, leases held,
 * and the local state of each worker (idle, running, paused).
 */
public final class BatonHealthIndicator implements HealthIndicator {

    private final BatonHealth health;
    private final BatonLifecycle lifecycle;
    private final BackgroundWorkerManager manager;

    /**
     * An indicator over one node.
     *
     * @param health    the library's check
     * @param lifecycle whether the manager runs
     * @param manager   the workers' local state
     */
    public BatonHealthIndicator(BatonHealth health, BatonLifecycle lifecycle, BackgroundWorkerManager manager) {
        this.health = health;
        this.lifecycle = lifecycle;
        this.manager = manager;
    }

    @Override
    public Health health() {
        if (!lifecycle.isRunning()) {
            return Health.down().withDetail("problem", "Baton is not running (starting or shut down)").build();
        }
        BatonHealth.Report report = health.check();
        Map<String, String> workers = new TreeMap<>();
        for (WorkerInfo info : manager.list()) {
            workers.put(info.name(), info.state().name().toLowerCase(java.util.Locale.ROOT));
        }
        Health.Builder builder = report.up() ? Health.up() : Health.down();
        report.problem().ifPresent(p -> builder.withDetail("problem", p));
        return builder.withDetails(report.details()).withDetail("workers", workers).build();
    }
}
