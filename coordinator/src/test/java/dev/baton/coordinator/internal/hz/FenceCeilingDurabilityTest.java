package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A token's time part must lie below the ceiling on disk before the token is issued: coverFences
 * returns only once that is so (or the disk failed). Two claims of one instant both cover the same
 * millisecond; the second must not go ahead on the first one's ceiling while it is still being
 * written, or a crash in that write leaves an issued token above everything kept.
 */
class FenceCeilingDurabilityTest {

    private static final long GAP = 2_200;

    private final AtomicLong now = new AtomicLong(1_000_000);

    /** A disk whose next write waits until released. */
    private static final class SlowDisk extends SimulatedNetwork.DiskStore {
        volatile boolean slow;
        volatile long keptCeiling = Long.MIN_VALUE;
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void save(VoterStore.Saved saved) {
            if (slow) {
                slow = false;
                writing.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.save(saved);
            keptCeiling = saved.fenceCeiling();
        }
    }

    @Test
    void aSecondClaimDoesNotGoAheadOnACeilingThatIsStillBeingWritten() throws Exception {
        SlowDisk disk = new SlowDisk();
        VoterState voters = new VoterState("b", "1", now::get, GAP, RandomGenerator.getDefault(), disk);
        disk.slow = true;

        Thread first = Thread.ofPlatform().name("first-claim").start(() -> voters.coverFences(10_000, 1_000));
        assertThat(disk.writing.await(5, TimeUnit.SECONDS)).as("the first claim writes the ceiling").isTrue();

        AtomicLong keptWhenSecondReturned = new AtomicLong(Long.MIN_VALUE);
        Thread second = Thread.ofPlatform().name("second-claim").start(() -> {
            voters.coverFences(10_000, 1_000);
            keptWhenSecondReturned.set(disk.keptCeiling);
        });
        // Until the second claim either waits for the write or has gone ahead without it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (second.getState() != Thread.State.BLOCKED && second.getState() != Thread.State.WAITING
                && second.getState() != Thread.State.TERMINATED && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        disk.release.countDown();
        first.join(5_000);
        second.join(5_000);

        assertThat(keptWhenSecondReturned.get())
                .as("the ceiling on disk when the second claim was let issue a token of 10000 ms")
                .isGreaterThan(10_000);
    }
}
