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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 */
final class Records {

    private static final Logger log = LoggerFactory.getLogger(Records.class);
    private static final long FIRST_PAUSE_MILLIS = 20;
    private static final long MAX_PAUSE_MILLIS = 500;

    enum Status {
        /** The processor applied; the result is its answer (null: it refused). */
        DONE,
        /** The call was refused before it could apply (no quorum on this side of a split). */
        REFUSED,
        /** It may or may not have applied. */
        UNKNOWN
    }

    record Result<R>(Status status, R value) {
        boolean applied() {
            return status == Status.DONE && value != null;
        }

        static <R> Result<R> unknown() {
            return new Result<>(Status.UNKNOWN, null);
        }
    }

    private final IMap<String, HzSlot> map;
    private final long attemptMillis;

    /**
     * @param attemptWait how long one call may go unanswered before it is made again: an operation
     *                    that a member lost while partitions migrated (a member joined) is noticed by
     *                    Hazelcast only after twice its call timeout, 20 s by default, while the
     *                    caller's lock, and the slot, would not wait that long
     */
    Records(IMap<String, HzSlot> map, Duration attemptWait) {
        this.map = map;
        this.attemptMillis = attemptWait.toMillis();
    }

    IMap<String, HzSlot> map() {
        return map;
    }

    /**
     * Reads {@code worker}'s record, asking again once if a member does not answer within the attempt wait.
     *
     * @throws OperationTimeoutException if neither call was answered in time
     */
    HzSlot get(String worker) {
        for (int attempt = 0; attempt < 2; attempt++) {
            CompletableFuture<HzSlot> call = map.getAsync(worker).toCompletableFuture();
            try {
                return call.get(attemptMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                call.cancel(true);
                Thread.currentThread().interrupt();
                throw new OperationTimeoutException("interrupted while reading the record of " + worker);
            } catch (TimeoutException e) {
                call.cancel(true);
                log.debug("Record of {}: no answer to a read within {} ms", worker, attemptMillis);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        throw new OperationTimeoutException("the record of " + worker + " was not read within twice "
                + attemptMillis + " ms");
    }

    /** Calls {@code processor} on {@code worker}'s record until it answers, while {@code keepTrying} holds. */
    <R> Result<R> call(String worker, EntryProcessor<String, HzSlot, R> processor, BooleanSupplier keepTrying) {
        long pause = FIRST_PAUSE_MILLIS;
        RuntimeException last = null;
        do {
            CompletableFuture<R> call = map.submitToKey(worker, processor).toCompletableFuture();
            try {
                return new Result<>(Status.DONE, call.get(attemptMillis, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                call.cancel(true);
                Thread.currentThread().interrupt();
                break;
            } catch (TimeoutException e) {
                call.cancel(true);
                last = new OperationTimeoutException("no answer within " + attemptMillis + " ms");
                log.debug("Record of {}: no answer within {} ms; calling again", worker, attemptMillis);
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
                        : new IllegalStateException(e.getCause());
                if (cause instanceof SplitBrainProtectionException) {
                    log.debug("Record of {}: refused, this side of the cluster has no quorum", worker);
                    return new Result<>(Status.REFUSED, null);
                }
                if (cause instanceof HazelcastInstanceNotActiveException) {
                    return new Result<>(Status.UNKNOWN, null);
                }
                if (!uncertain(cause)) {
                    throw cause;
                }
                last = cause;
                log.debug("Record of {}: outcome unknown ({}); calling again", worker, cause.toString());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
        } while (keepTrying.getAsBoolean());
        log.warn("Record of {}: the outcome of {} stays unknown ({}); the slot counts as unfinished", worker,
                processor.getClass().getSimpleName(), last == null ? "interrupted" : last.toString());
        return new Result<>(Status.UNKNOWN, null);
    }

    /** Whether the failure leaves the outcome open (the member left, backups did not answer, the partition moved). */
    private static boolean uncertain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IndeterminateOperationStateException || t instanceof MemberLeftException
                    || t instanceof OperationTimeoutException || t instanceof RetryableException) {
                return true;
            }
        }
        return false;
    }
}
