package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The first call's answer arrives just after its attempt wait ran out, before Records makes the
 * next call. Records then calls again anyway, and that call may be lost and applied late like any
 * other; but the result's {@code settled} already completed when the first answer came (no call was
 * open at that instant). The claimer, told that no call of its claim can apply any more, gives the
 * worker's lock back at once, and the re-call can land over the same session's next claim.
 */
class AnswerBeforeRecallTest {

    @Test
    void aResultIsNotSettledWhileACallMadeForItIsOpen() {
        List<CompletableFuture<Object>> made = new CopyOnWriteArrayList<>();
        @SuppressWarnings("unchecked")
        IMap<String, HzSlot> map = (IMap<String, HzSlot>) Proxy.newProxyInstance(IMap.class.getClassLoader(),
                new Class<?>[] {IMap.class}, (proxy, method, args) -> {
                    if (method.getName().equals("submitToKey") && args.length == 2) {
                        // Every call is answered only when the test says; one made after the answer is lost.
                        CompletableFuture<Object> call = new CompletableFuture<>();
                        made.add(call);
                        return call;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        Records records = new Records(map, Duration.ofMillis(50));
        AtomicInteger asked = new AtomicInteger();
        EntryProcessor<String, HzSlot, String> processor = entry -> "applied";

        Records.Result<String> result = records.call("w", processor, () -> {
            // Between the attempt wait running out and the next call: the first call's answer arrives now.
            if (asked.getAndIncrement() == 0) {
                made.getFirst().complete("applied");
            }
            return true;
        });

        assertThat(result.status()).isEqualTo(Records.Status.DONE);
        assertThat(result.value()).isEqualTo("applied");
        long open = made.stream().filter(call -> !call.isDone()).count();
        assertThat(result.settled().isDone() && open > 0)
                .as("settled says no call can apply any more, yet %d of the %d calls made are unanswered", open,
                        made.size())
                .isFalse();
    }
}
