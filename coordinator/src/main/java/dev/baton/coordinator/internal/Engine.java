package dev.baton.coordinator.internal;

import dev.baton.coordinator.TaskScheduler;
import dev.baton.worker.ServiceScopeFactory;
import dev.baton.worker.spi.Coordination;
import java.time.Instant;

/** What every worker entry of one manager shares. */
record Engine(Coordination coordination, TaskScheduler scheduler, ServiceScopeFactory services, Listeners listeners,
              ActiveExecutions active) {

    Instant now() {
        return coordination.now();
    }

    String nodeId() {
        return coordination.nodeId();
    }
}
