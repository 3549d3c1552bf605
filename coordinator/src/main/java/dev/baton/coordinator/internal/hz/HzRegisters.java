package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.FileRegisterLog;
import dev.baton.coordinator.internal.register.MemoryRegisterLog;
import dev.baton.coordinator.internal.register.RegisterLog;
import dev.baton.coordinator.internal.register.UnreadableRegisterLogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's worker registers on Hazelcast (step 1 of docs/records-in-the-lock-tables.md, off unless
 * asked for): the acceptor in its lock table, its log (a file beside the voter state, or memory when the
 * node keeps no state and so is a new voter at every start), and the register replies sent to the
 * members sessions run on and handed to this member's session when they arrive.
 */
final class HzRegisters implements AutoCloseable {

    /** Where a member keeps this, in the Hazelcast instance's user context, for the replies that arrive. */
    static final String RECEIVER_KEY = "dev.baton.registerReplies";

    private static final Logger log = LoggerFactory.getLogger(HzRegisters.class);

    private final HazelcastInstance hazelcast;
    private final IExecutorService executor;
    private final RegisterLog<SlotState> registerLog;
    private final Supplier<LocalSession> sessions;
    final TableRegisters table;
    /** Where pulled pieces are installed and forced ({@link VoterPulls}): off the session loop and its replies. */
    final ExecutorService pullInstalls;

    private HzRegisters(HazelcastInstance hazelcast, String nodeId, VoterState voters, RegisterLog<SlotState> registerLog,
                        Supplier<LocalSession> sessions) {
        this.hazelcast = hazelcast;
        this.executor = hazelcast.getExecutorService(HzSettings.EXECUTOR);
        this.registerLog = registerLog;
        this.sessions = sessions;
        this.table = new TableRegisters(registerLog, voters, this::send).start(nodeId);
        this.pullInstalls = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("baton-register-pull-" + nodeId)
                .daemon(true).factory());
        hazelcast.getUserContext().put(RECEIVER_KEY, this);
    }

    /**
     * Opens the registers of this member's voter state: its log in {@code directory} (null: in memory).
     *
     * @throws IllegalStateException if the log cannot be opened or trusted (move it aside: the node then starts as a
     *                               new voter)
     */
    static HzRegisters open(HazelcastInstance hazelcast, String nodeId, VoterState voters, VoterStore store,
                            Path directory, Supplier<LocalSession> sessions) {
        RegisterLog<SlotState> registerLog = directory == null ? new MemoryRegisterLog<>()
                : openLog(directory, nodeId, voters.voterId(), store);
        return new HzRegisters(hazelcast, nodeId, voters, registerLog, sessions);
    }

    /**
     * Opens this node's register log file and says, in the voter file itself, that its voter keeps one (so
     * that a log lost later, alone or with anything beside it, is told from one never made:
     * {@link #forgetVoterIfLogLost}). Both before anything is answered.
     */
    static FileRegisterLog<SlotState> openLog(Path directory, String nodeId, String voterId, VoterStore store) {
        Path file = logFile(directory, nodeId);
        try {
            FileRegisterLog<SlotState> opened = FileRegisterLog.open(file, voterId, RegisterWire.RECORDS);
            store.keepsRegisters(true);
            return opened;
        } catch (UnreadableRegisterLogException e) {
            throw new IllegalStateException(e.getMessage() + ": move it aside to start this node as a new voter", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the register log " + file + " (" + e + "): make the state"
                    + " directory writable", e);
        }
    }

    static Path logFile(Path directory, String nodeId) {
        return directory.resolve("registers-" + nodeId.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
    }

    /**
     * Before the voter state is resumed: if this node's voter kept a register log that is gone (lost, or
     * moved aside because it was unreadable), the voter it was must not come back (an acceptor that forgot
     * must never pass for one that did not): the saved state is replaced by a new voter's, keeping only the
     * fence ceiling. The others remove the old voter once this node is back as the new one.
     */
    static void forgetVoterIfLogLost(VoterStore store, Path directory, String nodeId, RandomGenerator random) {
        if (directory == null) {
            return;
        }
        Optional<VoterStore.Saved> saved = store.load();
        if (saved.isEmpty() || !store.keepsRegisters() || Files.exists(logFile(directory, nodeId))) {
            return;
        }
        long ceiling = saved.get().fenceCeiling();
        String incarnation = HexFormat.of().toHexDigits(random.nextInt());
        try {
            // The new voter first: a crash in between finds the mark and no log again, and forgets again.
            store.save(new VoterStore.Saved(incarnation, Voters.NONE, Ballot.ZERO, null, null, ceiling));
            store.keepsRegisters(false);
        } catch (IOException e) {
            throw new IllegalStateException("the register log " + logFile(directory, nodeId) + " is gone and the voter"
                    + " state in " + store + " cannot be replaced (" + e + "): make the state directory writable", e);
        }
        log.warn("The register log {} is gone: this node starts as a new voter ({}@{}), keeping only its fence"
                + " ceiling; the others remove the voter it was", logFile(directory, nodeId), nodeId, incarnation);
    }

    /** Sends answers to the member a session runs on; this member's own are handed over at once. */
    private void send(String memberUuid, RegisterReply reply) {
        Member target = null;
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (m.getUuid().toString().equals(memberUuid)) {
                target = m;
            }
        }
        if (target == null) {
            log.debug("Register answers for session {} dropped: member {} is gone", reply.session, memberUuid);
        } else if (target.localMember()) {
            deliver(reply);
        } else {
            executor.executeOnMember(reply, target);
        }
    }

    /** Answers that arrived for this member's session. */
    void deliver(RegisterReply reply) {
        LocalSession session = sessions.get();
        if (session != null) {
            session.onRegisterReply(reply);
        }
    }

    @Override
    public void close() {
        // Not interrupted: an interrupt in a channel's write closes the channel the answers' thread shares.
        pullInstalls.shutdown();
        try {
            if (!pullInstalls.awaitTermination(2, TimeUnit.SECONDS)) {
                log.debug("A pulled piece was still being forced when the registers closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        table.close();
        if (registerLog instanceof FileRegisterLog<SlotState> file) {
            file.close();
        }
        try {
            hazelcast.getUserContext().remove(RECEIVER_KEY, this);
        } catch (HazelcastInstanceNotActiveException e) {
            log.debug("The Hazelcast member stopped during the close; its user context went with it");
        }
    }
}
