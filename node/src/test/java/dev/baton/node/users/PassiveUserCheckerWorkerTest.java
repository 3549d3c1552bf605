package dev.baton.node.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Baton;
import dev.baton.coordinator.InMemoryCoordination;
import dev.baton.coordinator.support.Recorder;
import dev.baton.coordinator.testing.ManualTime;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.Outcome;
import dev.baton.worker.ServiceContainer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PassiveUserCheckerWorkerTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @Test
    void marksOnlyUsersWhoHaveNotLoggedInForThirtyDaysWithTheExecutionsFence() {
        ManualTime time = ManualTime.at(NOW);
        UserStore store = new UserStore();
        store.put(new User("old", "old", NOW.minus(Duration.ofDays(31)), User.Status.ACTIVE, 0));
        store.put(new User("recent", "recent", NOW.minus(Duration.ofDays(29)), User.Status.ACTIVE, 0));
        List<UserRepository> repositories = new CopyOnWriteArrayList<>();
        ServiceContainer services = ServiceContainer.builder()
                .singleton(UserStore.class, store)
                .scoped(UserRepository.class, scope -> {
                    UserRepository r = new UserRepository(scope.get(UserStore.class));
                    repositories.add(r);
                    return r;
                })
                .build();
        Recorder recorder = new Recorder();
        try (BackgroundWorkerManager manager = Baton.manager(InMemoryCoordination.standalone(time.clock()))
                .scheduler(time).services(services).listener(recorder).build()) {
            manager.add(new PassiveUserCheckerWorker(Duration.ofMinutes(10), Duration.ofDays(30)));
            manager.start();
            time.tick();
            time.advance(Duration.ofDays(2));
        }

        assertThat(store.find("old").orElseThrow().status()).isEqualTo(User.Status.PASSIVE);
        assertThat(store.find("old").orElseThrow().statusFence()).isEqualTo(recorder.results.getFirst().fencingToken());
        assertThat(store.find("recent").orElseThrow().status()).as("29 days, then 31 days later")
                .isEqualTo(User.Status.PASSIVE);
        assertThat(recorder.outcomes("PassiveUserCheckerWorker")).containsOnly(Outcome.SUCCEEDED);
        assertThat(repositories).hasSize(recorder.results.size())
                .allSatisfy(r -> assertThat(r).extracting("closed").isEqualTo(true));
    }

    @Test
    void theStoreRefusesAWriteWithAnOlderFence() {
        UserStore store = UserStore.withDemoUsers(10, NOW, 1);
        store.markPassiveBefore(NOW, 200);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.markPassiveBefore(NOW, 100))
                .hasMessageContaining("fencing token 100 is older than 200");
    }
}
