package dev.baton.coordinator.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A run that ended records its outcome only once the runs woken at its instant got going. */
class StartsFirstTest {

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void withNothingWokenACompletionGoesOnAtOnce() throws Exception {
        StartsFirst gate = new StartsFirst(HOUR);
        gate.woken();
        gate.going();

        // With an hour's bound, returning at all shows it did not wait.
        CompletableFuture.runAsync(gate::awaitStarts).get(10, TimeUnit.SECONDS);
        assertEquals(0, gate.waking());
    }

    @Test
    void aCompletionWaitsUntilEveryWokenRunGotGoing() throws Exception {
        StartsFirst gate = new StartsFirst(HOUR);
        gate.woken();
        gate.woken();
        Thread completion = Thread.ofPlatform().name("completion").start(gate::awaitStarts);
        await().atMost(Duration.ofSeconds(10)).until(() -> completion.getState() == Thread.State.TIMED_WAITING);

        gate.going();
        // One of the two runs is still waiting for a carrier: the completion still gives way.
        assertFalse(completion.join(Duration.ofMillis(200)), "the completion went on while a woken run waited");

        gate.going();
        assertTrue(completion.join(Duration.ofSeconds(10)), "the completion still waits after every run got going");
    }

    @Test
    void aCompletionWokenAsTheNextRunsWakeStillHearsThemGetGoing() throws Exception {
        StartsFirst gate = new StartsFirst(HOUR);
        for (int round = 0; round < 5; round++) {
            gate.woken();
            Thread completion = Thread.ofPlatform().name("completion-" + round).start(gate::awaitStarts);
            await().atMost(Duration.ofSeconds(10)).until(() -> completion.getState() == Thread.State.TIMED_WAITING);

            // The last run got going and the next instant's run woke, mostly before the completion looked again:
            // it then waits on (the sleep gives it a moment to look and park again) and must hear that run go.
            gate.going();
            gate.woken();
            Thread.sleep(100);
            gate.going();

            assertTrue(completion.join(Duration.ofSeconds(10)), "round " + round + ": the completion missed its wake-up");
        }
    }

    @Test
    void aCompletionWaitsNoLongerThanItsBound() throws Exception {
        StartsFirst gate = new StartsFirst(Duration.ofMillis(50));
        gate.woken(); // a run that never gets going

        CompletableFuture.runAsync(gate::awaitStarts).get(10, TimeUnit.SECONDS);
        assertEquals(1, gate.waking());
    }

    @Test
    void anInterruptEndsTheWaitAndStaysSet() throws Exception {
        StartsFirst gate = new StartsFirst(HOUR);
        gate.woken();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread completion = Thread.ofPlatform().name("completion").start(() -> {
            gate.awaitStarts();
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> completion.getState() == Thread.State.TIMED_WAITING);

        completion.interrupt();
        assertTrue(completion.join(Duration.ofSeconds(10)), "the interrupt did not end the wait");
        assertTrue(stillInterrupted.get(), "the wait swallowed the interrupt");
    }
}
