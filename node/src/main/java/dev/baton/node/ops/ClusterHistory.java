package dev.baton.node.ops;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last executions of every worker in the cluster, so that every node (also one that
 * joined later) shows the same history. Finished executions are buffered and written once a
 * flush interval, to keep the claim path free of it: one entry processor call per partition,
 * carrying only that partition's workers (a processor is sent to every partition it touches, so
 * one carrying the whole batch would be copied to hundreds of partitions).
 */
public final class ClusterHistory implements ExecutionListener, AutoCloseable {

    public static final String MAP = "baton-history";
    private static final Logger log = LoggerFactory.getLogger(ClusterHistory.class);
    private static final int MAX_BUFFERED = 100_000;

    private final IMap<String, HistoryLog> history;
    private final PartitionService partitions;
    private final int limit;
    private final ScheduledExecutorService flusher;
    private Map<String, List<HistoryEntry>> buffer = new HashMap<>();
    private int buffered;

    /**
     * Keeps the histories as objects: each append (on the owner and on the backup) then adds to
     * the list instead of deserialising and serialising a worker's whole history, which at
     * thousands of executions per second was a large share of a node's CPU.
     */
    public static Config configure(Config config) {
        return config.addMapConfig(new MapConfig(MAP).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(1));
    }

    public ClusterHistory(HazelcastInstance hazelcast, int limit, Duration flushEvery) {
        this.history = hazelcast.getMap(MAP);
        this.partitions = hazelcast.getPartitionService();
        this.limit = limit;
        this.flusher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("baton-history-flush").daemon(true).factory());
        flusher.scheduleWithFixedDelay(this::flush, flushEvery.toMillis(), flushEvery.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Listed like any other outcome: the history shows the lease lost before the work began. */
    @Override
    public void notStarted(ExecutionResult result) {
        finished(result);
    }

    @Override
    public void finished(ExecutionResult result) {
        synchronized (this) {
            if (buffered >= MAX_BUFFERED) {
                return; // the cluster cannot take writes (no quorum): drop history rather than memory
            }
            buffer.computeIfAbsent(result.worker(), w -> new ArrayList<>()).add(HistoryEntry.of(result));
            buffered++;
        }
    }

    /** Writes what is buffered; called by the flusher and on close. */
    public void flush() {
        Map<String, List<HistoryEntry>> batch;
        synchronized (this) {
            if (buffer.isEmpty()) {
                return;
            }
            batch = buffer;
            buffer = new HashMap<>();
            buffered = 0;
        }
        Map<Integer, Map<String, List<HistoryEntry>>> byPartition = new HashMap<>();
        batch.forEach((worker, entries) -> byPartition.computeIfAbsent(partitions.getPartition(worker).getPartitionId(),
                p -> new HashMap<>()).put(worker, entries));
        try {
            CompletableFuture.allOf(byPartition.values().stream()
                    .map(part -> history.submitToKeys(part.keySet(), new HistoryAppend(part, limit)).toCompletableFuture())
                    .toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Writing execution history failed; {} worker(s) of history dropped", batch.size(), e);
        }
    }

    /**
     * The last {@code n} executions of {@code worker}, oldest first; empty when the member holding
     * them does not answer within {@code wait} (frozen or cut off, until the cluster removes it).
     */
    public Optional<List<HistoryEntry>> last(String worker, int n, Duration wait) {
        HistoryLog log;
        try {
            log = history.getAsync(worker).toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        }
        if (log == null) {
            return Optional.of(List.of());
        }
        List<HistoryEntry> all = log.entries;
        return Optional.of(all.subList(Math.max(0, all.size() - n), all.size()));
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }
}
