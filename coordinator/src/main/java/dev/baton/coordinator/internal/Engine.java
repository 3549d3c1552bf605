package dev.baton.coordinator.internal;

import dev.baton.coordinator.TaskScheduler;
import dev.baton.worker.ServiceScopeFactory;
import dev.baton.worker.spi.Coordination;
import java.time.Duration;
import java.time.Instant;

/** What every worker entry of one manager shares. */
record Engine(Coordination coordination, TaskScheduler scheduler, ServiceScopeFactory services, Listeners listeners,
              ActiveExecutions active, Lateness lateness, Duration claimAhead, StartsFirst startsFirst) {

    Instant now() {
        return coordination.now();
    }

    /** How long after its slot a standby or a stand-in looks: the grace, plus how late this node's claims run. */
    Duration lookGrace() {
        return coordination.stepInGrace().plus(lateness.recent(now()));
    }

    String nodeId() {
        return coordination.nodeId();
    }
}
