package dev.baton.node.users;

import dev.baton.worker.BackgroundWorker;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A continuous worker of the demo: every second a few random users log in, so that the
 * passive-user checker keeps finding a changing population.
 */
public final class LoginSimulator implements BackgroundWorker {

    private final UserStore store;
    private final Clock clock;
    private final Random random = new Random();
    private ScheduledExecutorService timer;

    public LoginSimulator(UserStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void start() {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("baton-login-simulator")
                .daemon(true).factory());
        timer.scheduleWithFixedDelay(this::loginSome, 1, 1, TimeUnit.SECONDS);
    }

    private void loginSome() {
        int size = store.size();
        for (int i = 0; i < 3 && size > 0; i++) {
            store.login("u" + (1 + random.nextInt(size)), clock.instant());
        }
    }

    @Override
    public void stop() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(2, TimeUnit.SECONDS);
    }
}
