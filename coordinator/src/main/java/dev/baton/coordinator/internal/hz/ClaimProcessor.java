package dev.baton.coordinator.internal.hz;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.spi.ClaimRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Claims a slot on the partition owner. The claimer already holds the worker's lock (a quorum of
 * voters records it), so a holder still in the record cannot be running: its run counts as
 * crashed, unless this member's own table still records that holder alive.
 *
 * <p>Hazelcast may apply one call twice (a retry after a member left) or late (after the partition
 * moved): the claim id makes a replay return the lease it made, and the deadline (the claimer's
 * lock validity on the cluster clock) makes a late first application refuse, because by then
 * another node may hold the lock. Backups receive the state computed here.
 */
public final class ClaimProcessor implements EntryProcessor<String, HzSlot, HzSlot>, IdentifiedDataSerializable,
        HazelcastInstanceAware {

    /**
     * 2: the claim ids of the claimer's session increase (format 1 writers drew them at random).
     * 3: a scheduled claim may re-run an unfinished slot instead (older readers ignore the flag and
     * claim the later slot, as before).
     */
    static final int FORMAT = 4;

    private ClaimRules.Claim claim;
    private long deadlineMillis;
    /** Whether the claimer's session numbers its claims in order; a node of an older release does not. */
    private boolean idsOrdered = true;
    private transient SlotState computed;
    private transient HazelcastInstance hazelcast;
    /** The claimer's own clock and table, for a claim whose partition is on the claimer itself (never serialized). */
    private transient Locals locals;

    /** The clock and lock table of the member running the processor. */
    record Locals(PeerClocks clocks, SessionTable table) {
        static Locals of(HazelcastInstance hazelcast) {
            if (hazelcast == null) {
                return new Locals(null, null);
            }
            Map<String, Object> context = hazelcast.getUserContext();
            return new Locals(context.get(HzCoordination.CLOCKS_KEY) instanceof PeerClocks c ? c : null,
                    context.get(RenewTask.TABLE_KEY) instanceof SessionTable t ? t : null);
        }
    }

    public ClaimProcessor() {
        // for Hazelcast
    }

    ClaimProcessor(ClaimRules.Claim claim, long deadlineMillis, Locals locals) {
        this.claim = claim;
        this.deadlineMillis = deadlineMillis;
        this.locals = locals;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public HzSlot process(Map.Entry<String, HzSlot> entry) {
        computed = null;
        Locals here = locals != null ? locals : Locals.of(hazelcast);
        SlotState current = entry.getValue() == null ? SlotState.empty(entry.getKey()) : entry.getValue().state();
        boolean replay = current.claimId() == claim.claimId();
        long now = here.clocks() != null ? here.clocks().clusterMillis() : System.currentTimeMillis();
        if (!replay && now > deadlineMillis) {
            return null;
        }
        // A session holds one lock per worker: a run recorded for the claimer's own session is over.
        boolean holderAlive = current.isRunning() && here.table() != null
                && !current.running().session().equals(claim.session())
                && here.table().records(entry.getKey(), current.running().session());
        Optional<ClaimRules.Claimed> claimed = ClaimRules.claim(current, claim, holderAlive, idsOrdered);
        if (claimed.isEmpty()) {
            return null;
        }
        // A replay sets the value again too, so that a backup that missed the first application gets it now.
        computed = claimed.get().state();
        HzSlot stored = new HzSlot(computed);
        entry.setValue(stored);
        return stored;
    }

    @Override
    public EntryProcessor<String, HzSlot, HzSlot> getBackupProcessor() {
        return computed == null ? null : (EntryProcessor) new SlotBackup(computed);
    }

    @Override
    public int getFactoryId() {
        return BatonSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return BatonSerialization.CLAIM_PROCESSOR;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        ClaimRequest r = claim.request();
        Wire.write(out, FORMAT, w -> {
            w.writeUTF(r.worker());
            w.writeLong(r.slot().toEpochMilli());
            w.writeUTF(r.kind().name());
            w.writeBoolean(r.chained());
            w.writeLong(r.expectedLastSlot().map(Instant::toEpochMilli).orElse(SlotState.NONE));
            w.writeLong(r.expectedFence());
            w.writeBoolean(r.rebase());
            w.writeUTF(claim.node());
            w.writeUTF(claim.session());
            w.writeLong(claim.claimId());
            w.writeLong(claim.nowMillis());
            w.writeLong(claim.fenceBaseMillis());
            w.writeLong(claim.fenceFloor());
            w.writeLong(claim.rebaseMillis());
            w.writeLong(deadlineMillis);
            w.writeBoolean(idsOrdered);
            w.writeBoolean(r.rerunUnfinished());
            w.writeLong(r.expectedPauseToken());
        });
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        Wire.In r = Wire.read(in);
        String worker = r.readUTF();
        Instant slot = Instant.ofEpochMilli(r.readLong());
        ClaimRequest.Kind kind = ClaimRequest.Kind.valueOf(r.readUTF());
        boolean chained = r.readBoolean();
        long expected = r.readLong();
        long expectedFence = r.readLong();
        boolean rebase = r.readBoolean();
        String node = r.readUTF();
        String session = r.readUTF();
        long claimId = r.readLong();
        long nowMillis = r.readLong();
        long fenceBase = r.readLong();
        long fenceFloor = r.readLong();
        long rebaseMillis = r.readLong();
        deadlineMillis = r.readLong();
        idsOrdered = r.more() && r.readBoolean();
        boolean rerunUnfinished = r.more() && r.readBoolean();
        long expectedPauseToken = r.more() ? r.readLong() : ClaimRequest.ANY_PAUSE_TOKEN;
        ClaimRequest request = new ClaimRequest(worker, slot, kind, chained,
                chained && expected != SlotState.NONE ? Optional.of(Instant.ofEpochMilli(expected)) : Optional.empty(),
                expectedFence, rebase, rerunUnfinished, expectedPauseToken);
        claim = new ClaimRules.Claim(request, node, session, claimId, nowMillis, fenceBase, fenceFloor, rebaseMillis);
    }
}
