package dev.baton.example.passiveusers;

import dev.baton.worker.LeaseLostException;
import dev.baton.worker.WorkerContext;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The users table, written under the execution's fencing token: a write from an executor that lost
 * its lease (and was overtaken by a newer one) is refused by the database itself.
 */
@Repository
public class UserRepository {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    public UserRepository(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /** Marks active users passive who last logged in before {@code cutoff}, and records the run; one transaction. */
    public int markPassiveNotLoggedInSince(Instant cutoff, WorkerContext context) {
        Integer marked = transactions.execute(status -> {
            fence(context);
            int n = jdbc.update("UPDATE users SET status = 'PASSIVE' WHERE status = 'ACTIVE' AND last_login < ?",
                    Timestamp.from(cutoff));
            jdbc.update("INSERT INTO checker_runs (execution_id, slot, fence, node, marked) VALUES (?, ?, ?, ?, ?)",
                    context.executionId(), Timestamp.from(context.scheduledAt()), context.fencingToken(),
                    context.nodeId(), n);
            return n;
        });
        return marked == null ? 0 : marked;
    }

    /** Moves the worker's fence up to this execution's token, or refuses if a newer execution wrote already. */
    private void fence(WorkerContext context) {
        jdbc.update("INSERT INTO worker_fence (worker, fence) VALUES (?, 0) ON CONFLICT DO NOTHING",
                context.workerName());
        int moved = jdbc.update("UPDATE worker_fence SET fence = ? WHERE worker = ? AND fence < ?",
                context.fencingToken(), context.workerName(), context.fencingToken());
        if (moved == 0) {
            throw new LeaseLostException(context.workerName(), context.fencingToken());
        }
    }

    /** Adds the demo users if they are not there yet; safe when several replicas start together. */
    public void addDemoUsers(int count, Instant now) {
        for (int id = 1; id <= count; id++) {
            long daysAgo = (id * 7919L) % 60;
            jdbc.update("INSERT INTO users (id, name, last_login, status) VALUES (?, ?, ?, 'ACTIVE')"
                    + " ON CONFLICT DO NOTHING", id, "user-" + id, Timestamp.from(now.minusSeconds(daysAgo * 86_400)));
        }
    }
}
