package dev.baton.node.ops;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.baton.worker.ExecutionResult;
import java.io.IOException;

/** One finished execution, as the cluster keeps it for the API and the dashboard. */
public final class HistoryEntry implements DataSerializable {

    String node;
    long slot;
    long fence;
    String executionId;
    String kind;
    long startedAt;
    long finishedAt;
    String outcome;
    String error;

    public HistoryEntry() {
        // for Hazelcast
    }

    static HistoryEntry of(ExecutionResult r) {
        HistoryEntry e = new HistoryEntry();
        e.node = r.nodeId();
        e.slot = r.slot().toEpochMilli();
        e.fence = r.fencingToken();
        e.executionId = r.executionId();
        e.kind = r.kind().name();
        e.startedAt = r.startedAt().toEpochMilli();
        e.finishedAt = r.finishedAt().toEpochMilli();
        e.outcome = r.outcome().name();
        e.error = r.error().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).orElse(null);
        return e;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(node);
        out.writeLong(slot);
        out.writeLong(fence);
        out.writeString(executionId);
        out.writeString(kind);
        out.writeLong(startedAt);
        out.writeLong(finishedAt);
        out.writeString(outcome);
        out.writeString(error);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        node = in.readString();
        slot = in.readLong();
        fence = in.readLong();
        executionId = in.readString();
        kind = in.readString();
        startedAt = in.readLong();
        finishedAt = in.readLong();
        outcome = in.readString();
        error = in.readString();
    }
}
