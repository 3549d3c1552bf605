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

    private static final Comparator<HistoryEntry> START_ORDER =
            Comparator.comparingLong((HistoryEntry e) -> e.startedAt).thenComparingLong(e -> e.fence);

    /**
     * Adds {@code added} in start order and drops all but the newest {@code limit}, in place (the map
     * keeps its values as objects, changed only on their partition's thread) rather than copying and
     * sorting the whole history on the owner and the backup at every flush. Entries nearly always
     * arrive in order, so each goes in from the end.
     */
    void append(List<HistoryEntry> added, int limit) {
        for (HistoryEntry e : added) {
            int at = entries.size();
            while (at > 0 && START_ORDER.compare(entries.get(at - 1), e) > 0) {
                at--;
            }
            entries.add(at, e);
        }
        if (entries.size() > limit) {
            entries.subList(0, entries.size() - limit).clear();
        }
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
