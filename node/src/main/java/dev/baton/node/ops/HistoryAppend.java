package dev.baton.node.ops;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends batches of finished executions to the histories of many workers at once: one
 * operation per partition rather than one per worker.
 */
public final class HistoryAppend implements EntryProcessor<String, HistoryLog, Void>, DataSerializable {

    private Map<String, List<HistoryEntry>> added = new HashMap<>();
    private int limit;

    public HistoryAppend() {
        // for Hazelcast
    }

    HistoryAppend(Map<String, List<HistoryEntry>> added, int limit) {
        this.added = added;
        this.limit = limit;
    }

    @Override
    public Void process(Map.Entry<String, HistoryLog> entry) {
        List<HistoryEntry> mine = added.get(entry.getKey());
        if (mine != null) {
            HistoryLog current = entry.getValue() == null ? new HistoryLog() : entry.getValue();
            entry.setValue(current.with(mine, limit));
        }
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(limit);
        out.writeInt(added.size());
        for (Map.Entry<String, List<HistoryEntry>> e : added.entrySet()) {
            out.writeString(e.getKey());
            out.writeInt(e.getValue().size());
            for (HistoryEntry h : e.getValue()) {
                h.writeData(out);
            }
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        limit = in.readInt();
        int workers = in.readInt();
        added = new HashMap<>(workers * 2);
        for (int w = 0; w < workers; w++) {
            String worker = in.readString();
            int n = in.readInt();
            List<HistoryEntry> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                HistoryEntry e = new HistoryEntry();
                e.readData(in);
                list.add(e);
            }
            added.put(worker, list);
        }
    }
}
