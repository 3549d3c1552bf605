package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.RegisterState;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A read from a quorum of the voters, with the records in the registers (<i>Reads</i> on
 * docs/records-in-the-lock-tables.md): each member says what its registers hold, and the read shows
 * what a claim would build on: the newest value that a majority of the voters' answers hold, chosen or
 * accepted (a claim's prepare to that majority would find it and choose it), as a read from one member
 * shows the newest that member holds. A member that missed writes does not hold the view back.
 */
final class RegisterReads {

    private static final int FORMAT = 1;

    private RegisterReads() {
    }

    /** What one member's registers hold of some workers: for each, its newest value, chosen or accepted. */
    record Answer(String voterId, String lineage, Map<String, Accepted<SlotState>> newest) {
    }

    static byte[] encode(String voterId, String lineage, TableRegisters registers, List<String> workers) {
        return Wire.encode(FORMAT, out -> {
            out.writeUTF(voterId);
            out.writeUTF(lineage);
            out.writeInt(workers.size());
            for (String worker : workers) {
                RegisterState<SlotState> state = registers.state(worker);
                out.writeUTF(worker);
                RegisterWire.writeAccepted(out, newer(state.chosen(), state.accepted()));
            }
        });
    }

    /** The answer {@link #encode} wrote; null for a member without registers (an empty answer). */
    static Answer decode(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return null;
        }
        Wire.In in = Wire.decode(bytes);
        String voterId = in.readUTF();
        String lineage = in.readUTF();
        int n = in.readInt();
        Map<String, Accepted<SlotState>> newest = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String worker = in.readUTF();
            Accepted<SlotState> value = RegisterWire.readAccepted(in);
            if (value != null) {
                newest.put(worker, value);
            }
        }
        return new Answer(voterId, lineage, newest);
    }

    /**
     * Each worker's newest value among the voters' answers (empty where none holds one), or nothing at all if
     * fewer than a majority of the voters answered.
     */
    static Optional<Map<String, Optional<SlotState>>> newest(Voters voters, Collection<Answer> answers,
                                                            Collection<String> workers) {
        Map<String, Answer> byVoter = voterAnswers(voters, answers);
        if (voters.isNone() || byVoter.size() < voters.majority()) {
            return Optional.empty();
        }
        Map<String, Optional<SlotState>> result = new HashMap<>();
        for (String worker : workers) {
            Accepted<SlotState> best = null;
            for (Answer a : byVoter.values()) {
                best = newer(best, a.newest().get(worker));
            }
            result.put(worker, Optional.ofNullable(best).map(Accepted::value));
        }
        return Optional.of(result);
    }

    /** One answer per voter of the current lineage. */
    private static Map<String, Answer> voterAnswers(Voters voters, Collection<Answer> answers) {
        Set<String> ids = new HashSet<>(voters.ids());
        Map<String, Answer> byVoter = new HashMap<>();
        for (Answer a : answers) {
            if (a != null && a.lineage().equals(voters.lineage()) && ids.contains(a.voterId())) {
                byVoter.putIfAbsent(a.voterId(), a);
            }
        }
        return byVoter;
    }

    private static Accepted<SlotState> newer(Accepted<SlotState> a, Accepted<SlotState> b) {
        if (a == null) {
            return b;
        }
        return b != null && b.isAfter(a) ? b : a;
    }
}
