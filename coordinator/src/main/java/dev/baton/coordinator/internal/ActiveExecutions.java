package dev.baton.coordinator.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The executions running on this node, so that close can wait for them and then interrupt them. */
final class ActiveExecutions {

    private final Set<Execution> running = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    void add(Execution execution) {
        running.add(execution);
    }

    void remove(Execution execution) {
        running.remove(execution);
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    Set<Execution> snapshot() {
        return Set.copyOf(running);
    }

    /** @return whether all executions ended within {@code timeout} */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!running.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
