package dev.baton.example.passiveusers;

import dev.baton.spring.boot.BatonScheduled;
import dev.baton.worker.WorkerContext;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** Marks users passive who have not logged in for a while: once per slot across the fleet. */
@Component
public class PassiveUserChecker {

    private static final Logger log = LoggerFactory.getLogger(PassiveUserChecker.class);

    private final UserRepository users;
    private final Duration passiveAfter;

    public PassiveUserChecker(UserRepository users, @Value("${checker.passive-after:30d}") Duration passiveAfter) {
        this.users = users;
        this.passiveAfter = passiveAfter;
    }

    @BatonScheduled(name = "passive-user-checker", fixedRate = "${checker.period:10s}", timeout = "1m")
    public void check(WorkerContext context) {
        Instant cutoff = context.scheduledAt().minus(passiveAfter);
        int marked = users.markPassiveNotLoggedInSince(cutoff, context);
        log.info("Marked {} user(s) passive who last logged in before {} (slot {}, fence {}, node {})", marked, cutoff,
                context.scheduledAt(), context.fencingToken(), context.nodeId());
    }
}
