package dev.baton.node.users;

import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ABP's example worker: marks users passive who have not logged in for a while (30 days by default). */
public final class PassiveUserCheckerWorker extends PeriodicBackgroundWorker {

    private static final Logger log = LoggerFactory.getLogger(PassiveUserCheckerWorker.class);

    private final Duration passiveAfter;

    public PassiveUserCheckerWorker(Duration period, Duration passiveAfter) {
        super(Schedule.fixedDelay(period));
        this.passiveAfter = passiveAfter;
    }

    @Override
    protected void doWork(WorkerContext context) {
        log.info("Starting: setting status of inactive users...");
        UserRepository users = context.services().get(UserRepository.class);
        context.ensureLeaseValid();
        int marked = users.markPassiveUsersNotLoggedInSince(context.scheduledAt().minus(passiveAfter),
                context.fencingToken());
        log.info("Completed: setting status of inactive users... ({} marked passive)", marked);
    }
}
