package dev.baton.node.ops;

import dev.baton.worker.CronDialect;
import dev.baton.worker.CronSchedule;
import dev.baton.worker.FixedDelay;
import dev.baton.worker.FixedRate;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import java.time.Duration;
import java.time.ZoneId;

/**
 * How a worker is scheduled, published to the cluster so that every node can describe every
 * worker (and compute its next slot), also the workers it does not run itself.
 */
public record WorkerSpec(String name, String kind, long periodMillis, String cron, String zone, String dialect,
                         String describe, long timeoutMillis, String misfire, String onCrash) {

    public static WorkerSpec of(PeriodicBackgroundWorker worker) {
        Schedule s = worker.schedule();
        String kind = s instanceof FixedRate ? "fixedRate" : s instanceof FixedDelay ? "fixedDelay" : "cron";
        long period = s instanceof FixedRate r ? r.period().toMillis() : s instanceof FixedDelay d ? d.delay().toMillis()
                : 0;
        String cron = s instanceof CronSchedule c ? c.expression() : null;
        String zone = s instanceof CronSchedule c ? c.zone().getId() : null;
        String dialect = s instanceof CronSchedule c ? c.dialect().name() : null;
        return new WorkerSpec(worker.name(), kind, period, cron, zone, dialect, s.describe(),
                worker.options().timeout().toMillis(), worker.options().misfire().name(),
                worker.options().onCrash().name());
    }

    /** The schedule again, to compute slots on any node. */
    public Schedule schedule() {
        return switch (kind) {
            case "fixedRate" -> Schedule.fixedRate(Duration.ofMillis(periodMillis));
            case "fixedDelay" -> Schedule.fixedDelay(Duration.ofMillis(periodMillis));
            default -> Schedule.cron(cron, ZoneId.of(zone), dialect != null ? CronDialect.valueOf(dialect)
                    // Published by an older node, which read five fields as Unix and more as Quartz.
                    : cron.trim().split("\\s+").length == 5 ? CronDialect.UNIX : CronDialect.QUARTZ);
        };
    }
}
