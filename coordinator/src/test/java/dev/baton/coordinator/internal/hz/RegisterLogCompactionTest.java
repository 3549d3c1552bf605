package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Ballot;
import dev.baton.coordinator.internal.register.FileRegisterLog;
import dev.baton.coordinator.internal.register.Operation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member's register log takes at least a block per force, so a busy worker grows it by megabytes a
 * minute: the thread that forces and answers compacts it once it has grown well past its live state,
 * after the answers of that force went out. (Before, nothing in the product compacted it.)
 */
class RegisterLogCompactionTest {

    private static final String W = "w";

    @TempDir
    Path dir;

    @Test
    void theForceThreadCompactsALogThatGrewPastItsLiveState() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        VoterState voters = new VoterState("n1", "1", now::get, 5_500);
        Path file = dir.resolve("registers-n1.log");
        FileRegisterLog<SlotState> log = FileRegisterLog.open(file, voters.voterId(), RegisterWire.RECORDS);
        TableRegisters registers = new TableRegisters(log, voters, (member, reply) -> { });
        long peak = 0;
        int forces = 1_300;
        for (int i = 1; i <= forces; i++) {
            // Each prepare of a higher ballot changes the register: one write, one force, one answer.
            Operation<SlotState> prepare = new Operation<>(i, Operation.Kind.PREPARE, W, new Ballot(i, "s1"), 0, 0, null);
            registers.apply("s1", "m1", List.of(new TableRegisters.Judged(new RegisterOp(i, 0, prepare), true)));
            registers.flush();
            peak = Math.max(peak, log.size());
        }

        assertThat(peak).as("grew a block per force first").isGreaterThan(3L << 20);
        assertThat(log.size()).as("written anew with its one register on the way, then growing again")
                .isLessThan(peak / 2);
        log.close();
        FileRegisterLog<SlotState> reopened = FileRegisterLog.open(file, voters.voterId(), RegisterWire.RECORDS);
        assertThat(reopened.restore().get(W).promised()).isEqualTo(new Ballot(forces, "s1"));
        reopened.close();
    }
}
