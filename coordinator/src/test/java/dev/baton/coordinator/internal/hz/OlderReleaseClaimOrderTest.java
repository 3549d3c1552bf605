package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.nio.BufferObjectDataOutput;
import dev.baton.coordinator.internal.ClaimRules;
import dev.baton.coordinator.internal.SlotState;
import dev.baton.worker.Outcome;
import dev.baton.worker.spi.ClaimRequest;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A rolling update (Wire: two neighbouring releases run side by side). A node of the release
 * before numbers its claims at random; the record's member runs this release, whose ClaimRules
 * refuses a claim of a session whose recorded run has a higher claim id, taking it for a late call
 * of an earlier claim. The older node's claim over its own run that is over (ClaimOverOwnDeadRunTest:
 * its completion stayed unknown, it released the lock as unfinished and claims again, a RERUN or
 * the next slot) is then refused whenever its new random id happens to be lower: half of the time,
 * on every try, for as long as that node stays the worker's preferred one.
 */
class OlderReleaseClaimOrderTest {

    private static final InternalSerializationService SERIALIZATION = new DefaultSerializationServiceBuilder()
            .addDataSerializableFactory(BatonSerialization.FACTORY_ID, new BatonSerialization()).build();

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final AtomicLong wall = new AtomicLong(1_700_000_000_000L);

    /** A claim processor as the release before wrote it: format 1, these fields, a claim id drawn at random. */
    private static ClaimProcessor sentByTheReleaseBefore(ClaimRequest r, String node, String session, long claimId,
                                                         long now, long floor, long deadline) throws Exception {
        BufferObjectDataOutput out = SERIALIZATION.createObjectDataOutput();
        Wire.write(out, 1, w -> {
            w.writeUTF(r.worker());
            w.writeLong(r.slot().toEpochMilli());
            w.writeUTF(r.kind().name());
            w.writeBoolean(r.chained());
            w.writeLong(SlotState.NONE);
            w.writeLong(r.expectedFence());
            w.writeBoolean(r.rebase());
            w.writeUTF(node);
            w.writeUTF(session);
            w.writeLong(claimId);
            w.writeLong(now);
            w.writeLong(now);
            w.writeLong(floor);
            w.writeLong(ClaimRules.REBASE_MIN_MILLIS);
            w.writeLong(deadline);
        });
        ObjectDataInput in = SERIALIZATION.createObjectDataInput(out.toByteArray());
        ClaimProcessor processor = new ClaimProcessor();
        processor.readData(in);
        return processor;
    }

    @Test
    void anOlderNodesClaimOverItsOwnRunThatIsOverWinsWhateverItsRandomId() throws Exception {
        VoterState voters = new VoterState("n1", nanos::get, 2_200_000_000L);
        voters.learn(new Voters("0001-x", 1, List.of("n1", "n2", "n3")));
        SessionTable table = new SessionTable(2_200_000_000L, 600_000_000L, nanos::get, voters, new FenceFloor(),
                wall::get);
        // This release's member: its table records n2/s (a node of the release before) as w's holder, for the claim below.
        table.receive(SessionMessage.snapshot("n2/s", "n2", "m2", 7, Set.of("w"), Set.of("w"), false));
        ConcurrentMap<String, Object> context = new ConcurrentHashMap<>(Map.of(
                HzCoordination.CLOCKS_KEY, new PeerClocks(wall::get, nanos::get), RenewTask.TABLE_KEY, table));
        HazelcastInstance here = (HazelcastInstance) Proxy.newProxyInstance(HazelcastInstance.class.getClassLoader(),
                new Class<?>[] {HazelcastInstance.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getUserContext")) {
                        return context;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        long now = wall.get();
        long slot = now - now % 1000 - 1000;
        // n2/s's earlier claim, with the random id it drew, left running: its completion never applied.
        ClaimRules.Claim first = new ClaimRules.Claim(ClaimRequest.scheduled("w", Instant.ofEpochMilli(slot)), "n2",
                "n2/s", 6_917_529_027_641_081_857L, now - 1000, now - 1000, 0, ClaimRules.REBASE_MIN_MILLIS);
        SlotState left = ClaimRules.claim(SlotState.empty("w"), first, false).orElseThrow().state();

        // n2/s re-runs that slot; its new random id is lower.
        ClaimProcessor rerun = sentByTheReleaseBefore(ClaimRequest.rerun("w", Instant.ofEpochMilli(slot), left.fence()),
                "n2", "n2/s", 41, now, left.fence(), now + 4_000);
        rerun.setHazelcastInstance(here);
        Map.Entry<String, HzSlot> entry = new AbstractMap.SimpleEntry<>("w", new HzSlot(left));
        HzSlot result = rerun.process(entry);

        assertThat(result).as("n2/s re-runs the slot its own earlier run left unfinished").isNotNull();
        assertThat(result.state().lastOutcome()).isEqualTo(Outcome.CRASHED);
        assertThat(result.state().running().claimId()).isEqualTo(41);
    }
}
