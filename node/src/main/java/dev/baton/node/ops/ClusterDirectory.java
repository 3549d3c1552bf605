package dev.baton.node.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What every node publishes about itself and its workers, so that any node can describe the
 * whole cluster: nodes by member UUID, and worker specs by name. Values are JSON text.
 * Replicated maps, so that reads are local: a partitioned map's read waits for a frozen or
 * cut-off owner until the cluster removes it (seconds), and the ops API would wait with it.
 */
public final class ClusterDirectory {

    public static final String NODES = "baton-nodes";
    public static final String SPECS = "baton-specs";

    /** A node as the cluster knows it. */
    public record NodeInfo(String nodeId, String address, int httpPort, Instant since) {
    }

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();
    private final ReplicatedMap<String, String> nodes;
    private final ReplicatedMap<String, String> specs;

    public ClusterDirectory(HazelcastInstance hazelcast) {
        this.nodes = hazelcast.getReplicatedMap(NODES);
        this.specs = hazelcast.getReplicatedMap(SPECS);
    }

    public void publish(String memberUuid, NodeInfo node) {
        nodes.put(memberUuid, write(node));
    }

    public void withdraw(String memberUuid) {
        nodes.remove(memberUuid);
    }

    public void publish(WorkerSpec spec) {
        specs.put(spec.name(), write(spec));
    }

    public Optional<NodeInfo> node(String memberUuid) {
        return Optional.ofNullable(nodes.get(memberUuid)).map(v -> read(v, NodeInfo.class));
    }

    public Optional<WorkerSpec> spec(String worker) {
        return Optional.ofNullable(specs.get(worker)).map(v -> read(v, WorkerSpec.class));
    }

    /** Every published worker spec, by name. */
    public Map<String, WorkerSpec> specs() {
        Map<String, WorkerSpec> all = new TreeMap<>();
        specs.forEach((k, v) -> all.put(k, read(v, WorkerSpec.class)));
        return all;
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String value, Class<T> type) {
        try {
            return json.readValue(value, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
