package dev.baton.coordinator.internal.hz;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
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
 * docs/records-in-the-lock-tables.md): each member says what its registers hold, and the read shows the
 * newest value known chosen among a majority of the voters' answers: one a member learned chosen, or one
 * that a majority of the voters accepted at one index and ballot. It may lag a write on its way; it never
 * shows a value that was never chosen (one voter's acceptance of a write given up), which a later read
 * would take back and no claim would build on. Copies installed by anti-entropy are not acceptances.
 */
final class RegisterReads {

    private static final int FORMAT = 1;

    private RegisterReads() {
    }

    /** What one member's registers hold of some workers. */
    record Answer(String voterId, String lineage, Map<String, Held> held) {
    }

    /** One worker's register on one member: the last value it knows chosen, and the last it accepted itself. */
    record Held(Accepted<SlotState> chosen, Accepted<SlotState> accepted) {
    }

    static byte[] encode(String voterId, String lineage, TableRegisters registers, List<String> workers) {
        return Wire.encode(FORMAT, out -> {
            out.writeUTF(voterId);
            out.writeUTF(lineage);
            out.writeInt(workers.size());
            for (String worker : workers) {
                RegisterState<SlotState> state = registers.state(worker);
                out.writeUTF(worker);
                RegisterWire.writeAccepted(out, state.chosen());
                RegisterWire.writeAccepted(out, state.copy() ? null : state.accepted());
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
        Map<String, Held> held = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String worker = in.readUTF();
            held.put(worker, new Held(RegisterWire.readAccepted(in), RegisterWire.readAccepted(in)));
        }
        return new Answer(voterId, lineage, held);
    }

    /** Whether the answers come from a majority of {@code voters} (one per voter of their lineage counts). */
    static boolean fromMajority(Voters voters, Collection<Answer> answers) {
        return !voters.isNone() && voterAnswers(voters, answers).size() >= voters.majority();
    }

    /**
     * Each worker's newest value known chosen among the voters' answers (empty where none is), or nothing at
     * all if fewer than a majority of them answered.
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
            Map<At, Integer> acceptances = new HashMap<>();
            Map<At, Accepted<SlotState>> values = new HashMap<>();
            for (Answer a : byVoter.values()) {
                Held h = a.held().get(worker);
                if (h == null) {
                    continue;
                }
                best = newer(best, h.chosen());
                if (h.accepted() != null) {
                    At at = new At(h.accepted().index(), h.accepted().ballot());
                    acceptances.merge(at, 1, Integer::sum);
                    values.putIfAbsent(at, h.accepted());
                }
            }
            for (Map.Entry<At, Integer> e : acceptances.entrySet()) {
                if (e.getValue() >= voters.majority()) {
                    best = newer(best, values.get(e.getKey()));
                }
            }
            result.put(worker, Optional.ofNullable(best).map(Accepted::value));
        }
        return Optional.of(result);
    }

    /** Where a value was accepted: one value per index and ballot. */
    private record At(long index, Ballot ballot) {
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
