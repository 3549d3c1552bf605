package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.exception.RetryableException;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import java.util.concurrent.TimeUnit;
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

    /**
     * @param repeated an earlier call of the same processor had an unknown outcome: it may have
     *                 applied, and the record have moved on since, before the one that answered
     */
    record Result<R>(Status status, R value, boolean repeated) {
        Result(Status status, R value) {
            this(status, value, false);
        }

        boolean applied() {
            return status == Status.DONE && value != null;
        }

        static <R> Result<R> unknown() {
            return new Result<>(Status.UNKNOWN, null);
        }
    }

    private final IMap<String, HzSlot> map;

    Records(IMap<String, HzSlot> map) {
        this.map = map;
    }

    IMap<String, HzSlot> map() {
        return map;
    }

    /** Calls {@code processor} on {@code worker}'s record until it answers, while {@code keepTrying} holds. */
    <R> Result<R> call(String worker, EntryProcessor<String, HzSlot, R> processor, BooleanSupplier keepTrying) {
        long pause = FIRST_PAUSE_MILLIS;
        RuntimeException last = null;
        do {
            try {
                return new Result<>(Status.DONE, map.executeOnKey(worker, processor), last != null);
            } catch (SplitBrainProtectionException e) {
                log.debug("Record of {}: refused, this side of the cluster has no quorum", worker);
                return new Result<>(Status.REFUSED, null);
            } catch (HazelcastInstanceNotActiveException e) {
                return new Result<>(Status.UNKNOWN, null);
            } catch (RuntimeException e) {
                if (!uncertain(e)) {
                    throw e;
                }
                last = e;
                log.debug("Record of {}: outcome unknown ({}); calling again", worker, e.toString());
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
