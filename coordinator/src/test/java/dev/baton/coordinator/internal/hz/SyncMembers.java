package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Members b, c, d of one voter configuration, each with registers in memory and a voter state on one
 * test clock: what the anti-entropy tests walk between.
 */
final class SyncMembers {

    static final long GAP = 2_200;

    final AtomicLong now = new AtomicLong(1_000_000);
    final Voters v1 = new Voters("0001-x", 1, List.of("b@1", "c@1", "d@1"));
    private final Map<TableRegisters, VoterState> states = new IdentityHashMap<>();

    TableRegisters member(String node) {
        VoterState state = new VoterState(node, "1", now::get, GAP);
        state.learn(v1);
        TableRegisters t = new TableRegisters(new MemoryRegisterLog<>(), state, (to, r) -> { });
        states.put(t, state);
        return t;
    }

    VoterState state(TableRegisters member) {
        return states.get(member);
    }

    /** A value of worker {@code w} that says which write it was. */
    static SlotState value(String w, String id) {
        return new SlotState(w, 0, id.hashCode(), 7, null, null, null, 0, 0, SlotState.Flags.NONE, id, 0);
    }
}
