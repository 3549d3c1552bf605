package dev.baton.worker.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How the nodes of a cluster agree on who runs which slot. The engine calls it; implementations
 * (in-memory, Hazelcast) decide. The contract, checked by the coordination contract test suite:
 * <ol>
 *   <li>A slot is claimed at most once: two claims of the same slot never both succeed, and a
 *       claim of a slot at or before the last claimed one fails (except a {@link ClaimRequest.Kind#RERUN}
 *       of a slot whose execution did not finish).</li>
 *   <li>At most one valid lease per worker at any time.</li>
 *   <li>Fencing tokens of a worker strictly increase, claim after claim.</li>
 *   <li>A paused worker's scheduled slots are refused.</li>
 *   <li>Losing a claim is normal: an empty {@code Optional}, never an exception.</li>
 * </ol>
 */
public interface Coordination extends AutoCloseable {

    /** This node's id, as it appears in logs, records and the API. */
    String nodeId();

    /** The cluster clock, on which slots are computed. */
    Instant now();

    /** Starts taking part; events about workers are delivered to {@code events}. */
    void start(CoordinationEvents events);

    /** This node can run the worker: it takes part in the worker's balance. */
    void register(String worker);

    /** This node no longer runs the worker. */
    void unregister(String worker);

    /** How eager this node should be to claim the worker's slots right now. */
    ClaimRole role(String worker);

    /** How long a standby waits after a slot before stepping in for a preferred node that looks dead. */
    Duration stepInGrace();

    /**
     * Whether this node's view of which node prefers which worker changed a moment ago (members
     * joined, left or merged), so that nodes may still disagree and each take itself for a standby.
     * A standby then looks again after the {@linkplain #stepInGrace() grace} and claims a slot that
     * nobody claimed. By default the view is always settled.
     */
    default boolean balanceSettling() {
        return false;
    }

    /** How often the engine calls {@link Lease#renew()} on a running execution's lease. */
    Duration renewInterval();

    /** The worker's shared record, if any node ever claimed or paused it. */
    Optional<WorkerRecord> read(String worker);

    /** The records of several workers at once (absent ones are left out). */
    default java.util.Map<String, WorkerRecord> readAll(java.util.Set<String> workers) {
        java.util.Map<String, WorkerRecord> records = new java.util.HashMap<>();
        for (String w : workers) {
            read(w).ifPresent(r -> records.put(w, r));
        }
        return records;
    }

    /**
     * The records of several workers for a view that must answer while a member hangs: waits at
     * most {@code wait}; a worker whose record did not come in time (its member frozen or cut off,
     * and not yet removed from the cluster) is left out, and one without a record maps to empty.
     * Not for decisions: a record left out says nothing about the worker.
     */
    default java.util.Map<String, Optional<WorkerRecord>> readWithin(java.util.Set<String> workers, Duration wait) {
        java.util.Map<String, Optional<WorkerRecord>> records = new java.util.HashMap<>();
        for (String w : workers) {
            records.put(w, read(w));
        }
        return records;
    }

    /** Tries to claim a slot; empty when another node has it, it already ran, or the worker is paused. */
    Optional<Lease> claim(ClaimRequest request);

    /** Pauses the worker on every node: its scheduled slots are refused until resumed. */
    void pause(String worker);

    void resume(String worker);

    /** Asks for one extra execution as soon as possible; any node may run it. */
    void trigger(String worker);

    /** The cluster as this node sees it now. */
    CoordinationStatus status();

    /**
     * Replaces the voters by the processes this node hears now, when a majority of them is gone for
     * good (their nodes and state lost) and no claim can be granted any more. Only for that case:
     * a missing voter that still runs, cut off, would make two clusters.
     *
     * @param lineage the voters' lineage as {@link #status()} showed it, to confirm what is replaced
     * @return the new voters
     * @throws IllegalStateException if the lineage is no longer the current one
     * @throws UnsupportedOperationException if this coordination has no voters
     */
    default List<String> resetVoters(String lineage) {
        throw new UnsupportedOperationException("this coordination has no voters to reset");
    }

    /**
     * This node is about to shut down: it claims nothing new, and the others take over its workers
     * as soon as its running executions end, without waiting for it to be gone. Called before the
     * running executions are drained; {@link #close()} follows.
     */
    default void leaving() {
    }

    /** Releases this node's leases and leaves; idempotent. */
    @Override
    void close();
}
