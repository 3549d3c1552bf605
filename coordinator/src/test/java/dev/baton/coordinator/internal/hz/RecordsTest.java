package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.impl.InternalCompletableFuture;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A member may lose an operation while partitions migrate (a member joins): Hazelcast notices only
 * after twice its call timeout, 20 s by default. A claim waiting that long blocked its worker's
 * cycle for 20 slots on a node nobody touched (ClusterFaultsIT, a node joining, run M).
 */
class RecordsTest {

    private final List<InternalCompletableFuture<Object>> calls = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private final IMap<String, HzSlot> map = (IMap<String, HzSlot>) Proxy.newProxyInstance(
            IMap.class.getClassLoader(), new Class<?>[] {IMap.class}, (proxy, method, args) -> {
                if (method.getName().equals("submitToKey") && args.length == 2 || method.getName().equals("getAsync")) {
                    InternalCompletableFuture<Object> call = new InternalCompletableFuture<>();
                    calls.add(call);
                    if (calls.size() > 1) {
                        // A read of a worker that has no record yet answers null.
                        call.complete(method.getName().equals("getAsync") ? null : "applied");
                    }
                    return call;
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void aCallThatAMemberLostIsMadeAgainAfterTheAttemptWait() {
        Records records = new Records(map, Duration.ofMillis(200));
        EntryProcessor<String, HzSlot, String> processor = entry -> "applied";

        long started = System.nanoTime();
        Records.Result<String> result = records.call("w", processor, () -> true);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(result.status()).isEqualTo(Records.Status.DONE);
        assertThat(result.value()).isEqualTo("applied");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).isCancelled();
        assertThat(took).as("a lost call costs the attempt wait and a pause, not Hazelcast's 20 s")
                .isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aReadThatAMemberLostIsMadeAgain() {
        Records records = new Records(map, Duration.ofMillis(200));

        assertThat(records.get("w")).isNull();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).isCancelled();
    }

    @Test
    void aCallerThatStopsHoldingTheLockGetsAnUnknownOutcome() {
        Records records = new Records(map, Duration.ofMillis(100));
        EntryProcessor<String, HzSlot, String> processor = entry -> "applied";

        Records.Result<String> result = records.call("w", processor, () -> false);

        assertThat(result.status()).isEqualTo(Records.Status.UNKNOWN);
        assertThat(calls).hasSize(1);
    }
}
