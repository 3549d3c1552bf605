package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.util.ConcurrencyUtil;
import dev.baton.coordinator.support.HazelcastMembers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Records.call learns a call's answer from a callback on Hazelcast's future ({@code whenComplete}),
 * which Hazelcast runs on its default async executor: {@code ForkJoinPool.commonPool()} on a host
 * with more than two cores (on smaller ones, a new thread per answer). The common pool belongs to
 * the application: a worker's {@code parallelStream()}, a {@code CompletableFuture.supplyAsync}
 * doing I/O. While it is busy, every answer waits behind that work although the member answered at
 * once: claims go unanswered, are called again every fifth of the lease, and end unknown (the slot
 * counts as unfinished and is re-run); completions of runs that succeeded end unknown too, and
 * triggers and pauses fail. Before, {@code executeOnKey} waited on the calling thread and needed no
 * pool. (The session loop already hands its replies to a thread of its own for this reason.)
 */
class BusyCommonPoolRecordCallTest {

    private final HazelcastMembers members = new HazelcastMembers(1);
    private final Executor hazelcastDefault = ConcurrencyUtil.getDefaultAsyncExecutor();
    private final CountDownLatch applicationDone = new CountDownLatch(1);

    @AfterEach
    void stop() {
        applicationDone.countDown();
        ConcurrencyUtil.setDefaultAsyncExecutor(hazelcastDefault);
        members.close();
    }

    @Test
    void aRecordCallIsAnsweredWhileTheApplicationKeepsTheCommonPoolBusy() throws Exception {
        HazelcastInstance member = members.start();
        // What Hazelcast runs its callbacks on when the host has more than two cores (this one may have fewer).
        ConcurrencyUtil.setDefaultAsyncExecutor(ForkJoinPool.commonPool());
        // The application keeps every common-pool thread busy for a while.
        int threads = ForkJoinPool.getCommonPoolParallelism();
        CountDownLatch busy = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            ForkJoinPool.commonPool().execute(() -> {
                busy.countDown();
                try {
                    applicationDone.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(busy.await(10, TimeUnit.SECONDS)).as("the application's tasks run").isTrue();
        CompletableFuture<Void> probe = CompletableFuture.runAsync(() -> { }, ForkJoinPool.commonPool());
        Thread.sleep(100);
        assertThat(probe).as("the common pool is busy").isNotDone();

        HzSettings settings = HzSettings.forLease(Duration.ofSeconds(1), 1, HzSettings.DEFAULT_VOTER_REMOVAL_DELAY);
        Records records = new Records(member.getMap(HzSettings.RECORDS_MAP), settings.recordCallWait());
        long started = System.nanoTime();
        // The caller keeps trying for three leases: ample for a member that answers at once.
        long until = started + Duration.ofSeconds(3).toNanos();

        Records.Result<Boolean> result = records.call("w", new FlagProcessor(FlagProcessor.Flag.TRIGGER, 7),
                () -> System.nanoTime() < until);

        assertThat(member.<String, HzSlot>getMap(HzSettings.RECORDS_MAP).get("w").state().flags().triggerPending())
                .as("the member applied the call").isTrue();
        assertThat(result.status()).as("the outcome, after %d ms",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isEqualTo(Records.Status.DONE);
    }
}
