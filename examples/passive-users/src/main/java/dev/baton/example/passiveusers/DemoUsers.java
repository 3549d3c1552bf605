package dev.baton.example.passiveusers;

import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** Seeds demo users at start, last logged in up to 60 days ago. */
@Component
class DemoUsers implements ApplicationRunner {

    private final UserRepository users;
    private final int count;

    DemoUsers(UserRepository users, @Value("${checker.demo-users:1000}") int count) {
        this.users = users;
        this.count = count;
    }

    @Override
    public void run(ApplicationArguments args) {
        users.addDemoUsers(count, Clock.systemUTC().instant());
    }
}
