package dev.baton.node.ops;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The last executions of one worker, newest last, bounded. */
public final class HistoryLog implements DataSerializable {

    List<HistoryEntry> entries = new ArrayList<>();

    public HistoryLog() {
        // for Hazelcast
    }

    /** A copy with {@code added} appended in start order, keeping the newest {@code limit}. */
    HistoryLog with(List<HistoryEntry> added, int limit) {
        HistoryLog next = new HistoryLog();
        next.entries = new ArrayList<>(entries);
        next.entries.addAll(added);
        next.entries.sort(Comparator.comparingLong((HistoryEntry e) -> e.startedAt).thenComparingLong(e -> e.fence));
        if (next.entries.size() > limit) {
            next.entries = new ArrayList<>(next.entries.subList(next.entries.size() - limit, next.entries.size()));
        }
        return next;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(entries.size());
        for (HistoryEntry e : entries) {
            e.writeData(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        int n = in.readInt();
        entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            HistoryEntry e = new HistoryEntry();
            e.readData(in);
            entries.add(e);
        }
    }
}
