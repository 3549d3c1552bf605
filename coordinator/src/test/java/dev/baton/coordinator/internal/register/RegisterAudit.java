package dev.baton.coordinator.internal.register;

import dev.baton.coordinator.internal.SlotState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every session learns chosen, checked as it is learned: one value per worker and index, and
 * each chosen value computed from the one chosen at the index before (so that a claim is computed
 * from the record it follows, and a slot is never granted twice).
 */
final class RegisterAudit {

    /**
     * A simulated record: its own id, the id of the value it was computed from ("-" for none), and for
     * the claim workload the worker's {@link SlotState}.
     */
    record Value(String id, String base, SlotState state) {

        Value(String id, String base) {
            this(id, base, null);
        }
    }

    private final Map<String, TreeMap<Long, Value>> chosen = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    long learned;

    void learned(String session, String worker, Accepted<Value> value) {
        learned++;
        TreeMap<Long, Value> chain = chosen.computeIfAbsent(worker, w -> new TreeMap<>());
        Value before = chain.putIfAbsent(value.index(), value.value());
        if (before != null && !before.equals(value.value())) {
            violations.add(worker + " index " + value.index() + ": " + session + " learned " + value.value()
                    + " chosen where " + before + " was");
            return;
        }
        String base = value.index() == 1 ? "-" : idAt(chain, value.index() - 1);
        if (!value.value().base().equals(base)) {
            violations.add(worker + " index " + value.index() + ": " + value.value() + " was computed from "
                    + value.value().base() + ", not from the value chosen before it (" + base + ")");
        }
    }

    long chosenCount(String worker) {
        TreeMap<Long, Value> chain = chosen.get(worker);
        return chain == null ? 0 : chain.size();
    }

    long highestIndex(String worker) {
        TreeMap<Long, Value> chain = chosen.get(worker);
        return chain == null || chain.isEmpty() ? 0 : chain.lastKey();
    }

    private static String idAt(TreeMap<Long, Value> chain, long index) {
        Value value = chain.get(index);
        return value == null ? "(nothing learned at " + index + ")" : value.id();
    }
}
