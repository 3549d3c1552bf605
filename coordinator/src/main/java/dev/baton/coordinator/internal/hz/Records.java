package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.exception.RetryableException;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the records' entry processors and tells a refusal from an unknown outcome. The member
 * runs with {@code hazelcast.operation.fail.on.indeterminate.state}: an operation whose backups
 * did not acknowledge, or whose member left mid-call, fails instead of being silently retried or
 * reported done. Baton's processors are idempotent, so it calls again (same processor, same claim
 * id) while the caller still holds the worker's lock; when that ends first, the outcome stays
 * unknown and the caller treats the slot as unfinished.
 *
 * <p>A member may also lose an operation while partitions migrate; Hazelcast notices only at
 * twice its call timeout. A call unanswered for the attempt wait is therefore made again, without
 * giving up the first: whichever answers first is the answer, but a refusal only while no other
 * call can still apply (else the outcome is unknown). An unanswered call may still apply
 * later (Hazelcast keeps retrying it), which {@link Result#settled()} tells the caller.
 */
final class Records {

    private static final Logger log = LoggerFactory.getLogger(Records.class);
    private static final long FIRST_PAUSE_MILLIS = 20;
    private static final long MAX_PAUSE_MILLIS = 500;

    enum Status {
        /** The processor applied; the result is its answer (null: it refused, and no other call of it can apply). */
        DONE,
        /** The call was refused before it could apply (no quorum on this side of a split), and no other call can. */
        REFUSED,
        /** It may or may not have applied (also: one call was refused while another may still apply). */
        UNKNOWN
    }

    /**
     * @param settled completes once no call made for this result can apply any more: each was answered.
     *                It never completes if one failed in a way that leaves it open (a member left, a
     *                timeout): such a call may still apply until the processor's own deadline, if any.
     */
    record Result<R>(Status status, R value, CompletableFuture<Void> settled) {
        boolean applied() {
            return status == Status.DONE && value != null;
        }

        static <R> Result<R> unknown() {
            return new Result<>(Status.UNKNOWN, null, new CompletableFuture<>());
        }
    }

    private final IMap<String, HzSlot> map;
    private final long attemptNanos;

    /**
     * @param attemptWait how long a call may go unanswered before it is made again
     */
    Records(IMap<String, HzSlot> map, Duration attemptWait) {
        this.map = map;
        this.attemptNanos = attemptWait.toNanos();
    }

    IMap<String, HzSlot> map() {
        return map;
    }

    /** Calls {@code processor} on {@code worker}'s record until it answers, while {@code keepTrying} holds. */
    <R> Result<R> call(String worker, EntryProcessor<String, HzSlot, R> processor, BooleanSupplier keepTrying) {
        Calls<R> calls = new Calls<>();
        long pause = FIRST_PAUSE_MILLIS;
        boolean interrupted = false;
        // Each call waits twice as long as the one before: on a cluster that is slow rather than losing calls,
        // calls made again only add to its load.
        long wait = attemptNanos;
        do {
            calls.make(() -> map.submitToKey(worker, processor).toCompletableFuture());
            long giveUpWaiting = System.nanoTime() + wait;
            Calls.Wait<R> waited;
            try {
                waited = calls.await(giveUpWaiting);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
                break;
            }
            if (waited.answer() != null) {
                return waited.answer();
            }
            if (waited.failure() != null) {
                RuntimeException e = waited.failure();
                if (!uncertain(e)) {
                    throw e;
                }
                log.debug("Record of {}: outcome unknown ({}); calling again", worker, e.toString());
                try {
                    TimeUnit.MILLISECONDS.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                    break;
                }
                pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
            } else {
                log.debug("Record of {}: no answer within {} ms; calling again, the first call still open", worker,
                        TimeUnit.NANOSECONDS.toMillis(wait));
                wait *= 2;
            }
        } while (keepTrying.getAsBoolean());
        log.warn("Record of {}: the outcome of {} stays unknown ({}); the slot counts as unfinished", worker,
                processor.getClass().getSimpleName(), interrupted ? "interrupted" : calls.lastFailure());
        return new Result<>(Status.UNKNOWN, null, calls.settled());
    }

    /** Whether the failure leaves the outcome open (the member left, backups did not answer, the partition moved). */
    static boolean uncertain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IndeterminateOperationStateException || t instanceof MemberLeftException
                    || t instanceof OperationTimeoutException || t instanceof RetryableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The calls made for one result, and their answers as they come. A lock, not a monitor: the
     * caller is often a virtual thread, which a monitor's wait would pin to its carrier on Java 21.
     */
    private static final class Calls<R> {
        record Wait<R>(Result<R> answer, RuntimeException failure) {
        }

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final CompletableFuture<Void> settled = new CompletableFuture<>();
        private Result<R> answer;
        private RuntimeException failure;
        private String lastFailure = "no answer";
        private int open;
        private boolean leftOpen;

        /**
         * Makes one more call, unless a call has answered meanwhile: settled completes when the open
         * calls drop to none, so a call is counted open before it is sent, and none is sent after that.
         */
        void make(java.util.function.Supplier<CompletableFuture<R>> send) {
            lock.lock();
            try {
                if (answer != null) {
                    return;
                }
                open++;
            } finally {
                lock.unlock();
            }
            CompletableFuture<R> call;
            try {
                call = send.get();
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            // On the thread that completes the call: Hazelcast's default for callbacks is ForkJoinPool.commonPool(),
            // which the application may keep busy (a parallel stream), and the answer would wait behind its work.
            call.whenCompleteAsync(this::answered, Runnable::run);
        }

        private void answered(R value, Throwable thrown) {
            Throwable t = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
            lock.lock();
            try {
                open--;
                // A refusal tells only of this call: another call of the same processor still open, or one that
                // failed uncertainly, may have applied or may still apply, so the outcome is unknown.
                boolean othersMayApply = open > 0 || leftOpen;
                if (t == null) {
                    if (answer == null) {
                        answer = new Result<>(value == null && othersMayApply ? Status.UNKNOWN : Status.DONE, value,
                                settled);
                    }
                } else if (t instanceof SplitBrainProtectionException) {
                    log.debug("A record call was refused: this side of the cluster has no quorum");
                    if (answer == null) {
                        answer = new Result<>(othersMayApply ? Status.UNKNOWN : Status.REFUSED, null, settled);
                    }
                } else {
                    // The call may have applied. Only one that timed out (or failed in a way Hazelcast does not
                    // name) may still apply later: a member that left, a backup that did not answer, a retry
                    // given up are over.
                    leftOpen |= !(t instanceof MemberLeftException || t instanceof IndeterminateOperationStateException
                            || t instanceof RetryableException || t instanceof HazelcastInstanceNotActiveException);
                    lastFailure = t.toString();
                    if (t instanceof HazelcastInstanceNotActiveException) {
                        if (answer == null) {
                            answer = new Result<>(Status.UNKNOWN, null, settled);
                        }
                    } else if (failure == null) {
                        failure = t instanceof RuntimeException r ? r : new IllegalStateException(t);
                    }
                }
                if (open == 0 && !leftOpen) {
                    settled.complete(null);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until a call answers or fails, or {@code untilNanos}; a failure is handed out once. */
        Wait<R> await(long untilNanos) throws InterruptedException {
            lock.lock();
            try {
                while (answer == null && failure == null) {
                    long left = untilNanos - System.nanoTime();
                    if (left <= 0) {
                        return new Wait<>(null, null);
                    }
                    changed.awaitNanos(left);
                }
                if (answer != null) {
                    return new Wait<>(answer, null);
                }
                RuntimeException f = failure;
                failure = null;
                return new Wait<>(null, f);
            } finally {
                lock.unlock();
            }
        }

        String lastFailure() {
            lock.lock();
            try {
                return lastFailure;
            } finally {
                lock.unlock();
            }
        }

        CompletableFuture<Void> settled() {
            return settled;
        }
    }
}
