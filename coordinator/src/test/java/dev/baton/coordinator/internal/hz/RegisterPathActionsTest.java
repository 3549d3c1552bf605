package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.support.NoEvents;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.support.TestWorker;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.Outcome;
import dev.baton.worker.Schedule;
import dev.baton.worker.spi.ClaimRequest;
import dev.baton.worker.spi.Lease;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import dev.baton.worker.spi.ClaimRole;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator actions with the records in the registers (the twentieth review's findings): the node
 * running a worker writes an action under its run's lock, so an action during a run is not refused;
 * and since only the running or the preferred node writes, actions made on every node at once do not
 * take the lock from the worker's claims (the first cut, where each action's node took the lock, lost
 * 19 of 22 slots this way).
 */
class RegisterPathActionsTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final List<HzCoordination> nodes = new ArrayList<>();
    private final List<BackgroundWorkerManager> managers = new ArrayList<>();
    private final Recorder recorder = new Recorder();

    @TempDir
    Path state;

    private RegisterNodes cluster;

    @AfterEach
    void stop() {
        managers.forEach(BackgroundWorkerManager::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    private HzCoordination node(int member, String id) {
        if (cluster == null) {
            cluster = new RegisterNodes(state, LEASE, Duration.ofSeconds(30));
        }
        HzCoordination c = cluster.node(member, id);
        nodes.add(c);
        return c;
    }

    @Test
    void anActionDuringARunIsWrittenByTheNodeRunningIt() {
        HzCoordination a = node(0, "a");
        HzCoordination b = node(1, "b");
        a.start(NoEvents.INSTANCE);
        b.start(NoEvents.INSTANCE);
        await().atMost(Duration.ofSeconds(30)).until(() -> a.status().quorumPresent() && b.status().quorumPresent());
        String worker = "report";
        Lease run = a.claim(ClaimRequest.scheduled(worker, Instant.parse("2026-01-01T00:00:10Z"))).orElseThrow();

        b.trigger(worker);
        a.trigger(worker);
        b.pause(worker);

        assertThat(run.isValid()).as("the run keeps its lease").isTrue();
        assertThat(run.complete(Outcome.SUCCEEDED)).as("the run's end, written after the actions").isPresent();
        assertThat(b.read(worker).orElseThrow()).satisfies(r -> {
            assertThat(r.paused()).isTrue();
            assertThat(r.triggerPending()).isTrue();
            assertThat(r.lastOutcome()).contains(Outcome.SUCCEEDED);
        });
    }

    /**
     * The twenty-first review: the node that prefers the worker closes (its Hazelcast member stays, as in an
     * application sharing its instance) while an action waits there for its claim; the action's task kept
     * asking the closing session for the lock until the action's deadline, and the operator was told, a lease
     * later, that it may or may not have taken effect, though the other node could write it at once.
     */
    @Test
    void anActionWaitingOnANodeThatClosesIsWrittenByAnother() throws Exception {
        HzCoordination a = node(0, "a");
        HzCoordination b = node(1, "b");
        HzCoordination c = node(2, "c");
        List.of(a, b, c).forEach(n -> n.start(NoEvents.INSTANCE));
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(a, b, c).stream()
                .allMatch(n -> n.status().quorumPresent() && n.status().voters().size() == 3));
        a.register("w");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.role("w") == ClaimRole.PREFERRED);
        // The engine on a is claiming w: an action there waits for the claim's run.
        a.registerRecords().claimStarts("w");
        CompletableFuture<Void> operator = CompletableFuture.runAsync(() -> b.pause("w"),
                r -> Thread.ofPlatform().name("operator").start(r));
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(200)).until(() -> true);
        a.close();
        a.registerRecords().claimEnds("w");

        operator.get(LEASE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(b.read("w").orElseThrow().paused()).isTrue();
    }

    @Test
    void actionsOnEveryNodeAtOnceCostTheWorkerNoSlot() throws Exception {
        for (int n = 0; n < 3; n++) {
            BackgroundWorkerManager m = Baton.manager(node(n, "n" + n)).listener(recorder)
                    .shutdownGrace(Duration.ofMillis(200)).build();
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofMillis(500)), ctx -> { }));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(40)).until(() -> recorder.results.size() > 6);

        Instant from = Instant.now().plusSeconds(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger actions = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> operators = new ArrayList<>();
        for (BackgroundWorkerManager m : managers) {
            // A resume of a worker that is not paused still writes a new token: an action every 500 ms per node, six
            // a second on one worker (each is one write of its register, in turn with the worker's runs).
            operators.add(Thread.ofPlatform().name("operator-" + operators.size()).start(() -> {
                while (!stop.get()) {
                    try {
                        m.resume("w");
                        actions.incrementAndGet();
                        Thread.sleep(Long.getLong("baton.test.actionEveryMillis", 500));
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        failures.add(e.getMessage());
                    }
                }
            }));
        }
        Instant to = from.plusSeconds(8);
        await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(to.plusSeconds(1)));
        stop.set(true);
        for (Thread t : operators) {
            t.join(10_000);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.results.stream()
                .anyMatch(r -> r.slot().isAfter(to)));

        Set<Instant> ran = recorder.results.stream().map(ExecutionResult::slot)
                .filter(s -> !s.isBefore(from) && s.isBefore(to)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(failures).as("actions refused").isEmpty();
        assertThat(actions.get()).as("actions made").isGreaterThan(20);
        // 16 slots in the 8 s. Each action holds the worker's writes for one register write (batching them is
        // left, see the design page): on a loaded machine a run may start late enough to coalesce a slot or
        // two into the next. The first cut, each action's node taking the lock, ran 3 of 22.
        assertThat(ran).as("slots run while %s actions were made (claims lost: %s; misfires: %s)", actions.get(),
                recorder.claimsLost, recorder.misfires).hasSizeGreaterThanOrEqualTo(14);
    }

    /**
     * The twenty-first review: on an idle worker each action took the lock for itself on the preferred node
     * and the next waited for it to be given back, so of many at once most ran out of their lease (red here:
     * 40 and 80 at once). Now the others ride on the lock the first took, each its own write, and that lock
     * is given back only once no write rides on it (a write the release gave up may have been chosen).
     */
    @Test
    void fortyActionsAtOnceOnAnIdleWorkerAllHold() throws Exception {
        for (int n = 0; n < 3; n++) {
            BackgroundWorkerManager m = Baton.manager(node(n, "n" + n)).listener(recorder)
                    .shutdownGrace(Duration.ofMillis(200)).build();
            m.add(new TestWorker("w", Schedule.fixedRate(Duration.ofHours(1)), ctx -> { }));
            managers.add(m);
        }
        managers.forEach(BackgroundWorkerManager::start);
        await().atMost(Duration.ofSeconds(40)).until(() -> nodes.stream().allMatch(c -> c.status().quorumPresent()));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            managers.get(0).resume("w");
            return true;
        });

        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> operators = new ArrayList<>();
        for (int i = 0; i < Integer.getInteger("baton.test.actionsAtOnce", 40); i++) {
            BackgroundWorkerManager m = managers.get(i % 3);
            boolean pause = i % 2 == 0;
            operators.add(Thread.ofPlatform().name("operator-" + i).start(() -> {
                try {
                    go.await();
                    if (pause) {
                        m.pause("w");
                    } else {
                        m.resume("w");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failures.add(e.getMessage());
                }
            }));
        }
        go.countDown();
        for (Thread t : operators) {
            t.join(20_000);
        }
        assertThat(failures).as("actions refused of those made at once").isEmpty();
        managers.get(1).resume("w");
        assertThat(nodes.get(2).read("w").orElseThrow().paused()).as("the last action holds").isFalse();
    }
}
