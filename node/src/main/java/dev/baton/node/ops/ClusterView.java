package dev.baton.node.ops;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.Coordination;
import dev.baton.worker.spi.CoordinationStatus;
import dev.baton.worker.spi.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole cluster as any node can describe it: members, workers and recent executions. */
public final class ClusterView {

    /** One member of the cluster. */
    public record MemberView(String nodeId, String address, String uuid, Instant since, Integer httpPort,
                             boolean local, int leases, int preferredWorkers) {
    }

    /** The cluster and its members. */
    public record ClusterInfo(String clusterName, String servedBy, int members, int quorum, boolean quorumPresent,
                              List<String> voters, String lineage, List<MemberView> memberList) {
    }

    /** One worker, cluster-wide. */
    public record WorkerView(String name, String schedule, String state, boolean paused, String holder,
                             String preferredNode, String lastNode, long fence, Instant lastSlot, Instant nextSlot,
                             String lastOutcome, Long lastDurationMillis, int failuresInARow,
                             boolean triggerPending) {
    }

    /** One finished execution. */
    public record ExecutionView(String node, Instant slot, long fence, String executionId, String kind,
                                Instant startedAt, long durationMillis, String outcome, String error) {
    }

    /**
     * How long a view waits for the records: a member that hangs (frozen, cut off) holds the reads
     * of the records it owns until the cluster removes it, seconds later, and the ops API answers meanwhile.
     */
    static final Duration RECORD_WAIT = Duration.ofSeconds(1);

    private final HazelcastInstance hazelcast;
    private final Coordination coordination;
    private final ClusterDirectory directory;
    private final ClusterHistory history;

    public ClusterView(HazelcastInstance hazelcast, Coordination coordination, ClusterDirectory directory,
                       ClusterHistory history) {
        this.hazelcast = hazelcast;
        this.coordination = coordination;
        this.directory = directory;
        this.history = history;
    }

    public ClusterInfo cluster() {
        CoordinationStatus status = coordination.status();
        List<MemberView> members = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            String uuid = m.getUuid().toString();
            Optional<ClusterDirectory.NodeInfo> info = directory.node(uuid);
            String nodeId = info.map(ClusterDirectory.NodeInfo::nodeId).orElse(null);
            int leases = (int) status.holders().values().stream().filter(n -> n.equals(nodeId)).count();
            int preferred = (int) status.preferred().values().stream().filter(n -> n.equals(nodeId)).count();
            members.add(new MemberView(nodeId, m.getAddress().getHost() + ":" + m.getAddress().getPort(), uuid,
                    info.map(ClusterDirectory.NodeInfo::since).orElse(null),
                    info.map(ClusterDirectory.NodeInfo::httpPort).orElse(null), m.localMember(), leases, preferred));
        }
        members.sort(Comparator.comparing(MemberView::nodeId, Comparator.nullsLast(Comparator.naturalOrder())));
        return new ClusterInfo(hazelcast.getConfig().getClusterName(), coordination.nodeId(), members.size(),
                status.quorum(), status.quorumPresent(), status.voters(), status.lineage(), members);
    }

    public List<WorkerView> workers() {
        return views(directory.specs());
    }

    public Optional<WorkerView> worker(String name) {
        return directory.spec(name).map(spec -> views(Map.of(name, spec)).get(0));
    }

    /** What the cluster knows of a worker without reading its record: whether it exists, and its schedule. */
    public Optional<WorkerSpec> spec(String name) {
        return directory.spec(name);
    }

    /** A worker whose record does not come within {@link #RECORD_WAIT} is shown in the state {@code unknown}. */
    private List<WorkerView> views(Map<String, WorkerSpec> specs) {
        Map<String, Optional<WorkerRecord>> records = coordination.readWithin(specs.keySet(), RECORD_WAIT);
        CoordinationStatus status = coordination.status();
        Instant now = coordination.now();
        List<WorkerView> views = new ArrayList<>();
        specs.forEach((name, spec) -> views.add(records.containsKey(name) ? view(spec, records.get(name), status, now)
                : unknown(spec, status)));
        return views;
    }

    private static WorkerView unknown(WorkerSpec spec, CoordinationStatus status) {
        return new WorkerView(spec.name(), spec.describe(), "unknown", false, null,
                status.preferred().get(spec.name()), null, 0L, null, null, null, null, 0, false);
    }

    /** Empty when the member holding the history does not answer within {@link #RECORD_WAIT}. */
    public Optional<List<ExecutionView>> executions(String worker, int limit) {
        return history.last(worker, limit, RECORD_WAIT).map(entries -> entries.stream()
                .map(e -> new ExecutionView(e.node, Instant.ofEpochMilli(e.slot), e.fence, e.executionId, e.kind,
                        Instant.ofEpochMilli(e.startedAt), e.finishedAt - e.startedAt, e.outcome, e.error))
                .toList());
    }

    private static WorkerView view(WorkerSpec spec, Optional<WorkerRecord> record, CoordinationStatus status,
                                   Instant now) {
        boolean paused = record.map(WorkerRecord::paused).orElse(false);
        String holder = record.flatMap(WorkerRecord::holder).orElse(null);
        String state = holder != null ? "running" : paused ? "paused" : "idle";
        Long duration = record.filter(r -> r.holder().isEmpty())
                .flatMap(r -> r.lastStartedAt().flatMap(s -> r.lastFinishedAt().map(f -> Duration.between(s, f))))
                .filter(d -> !d.isNegative()).map(Duration::toMillis).orElse(null);
        return new WorkerView(spec.name(), spec.describe(), state, paused, holder, status.preferred().get(spec.name()),
                record.flatMap(WorkerRecord::lastNode).orElse(null),
                record.map(WorkerRecord::fencingToken).orElse(0L), record.flatMap(WorkerRecord::lastSlot).orElse(null),
                paused ? null : nextSlot(spec, record, now),
                record.flatMap(WorkerRecord::lastOutcome).map(Enum::name).orElse(null), duration,
                record.map(WorkerRecord::failuresInARow).orElse(0),
                record.map(WorkerRecord::triggerPending).orElse(false));
    }

    private static Instant nextSlot(WorkerSpec spec, Optional<WorkerRecord> record, Instant now) {
        Schedule schedule = spec.schedule();
        if (spec.kind().equals("fixedDelay")) {
            if (record.flatMap(WorkerRecord::holder).isPresent()) {
                return null;
            }
            return record.flatMap(WorkerRecord::lastFinishedAt).flatMap(schedule::nextAfter).orElse(null);
        }
        Instant from = record.flatMap(WorkerRecord::lastSlot).filter(s -> s.isAfter(now)).orElse(now);
        return schedule.nextAfter(from).orElse(null);
    }
}
