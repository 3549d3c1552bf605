package dev.baton.example.passiveusers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A service that embeds Baton: its passive-user checker runs once per slot across every replica. */
@SpringBootApplication
public class PassiveUsersApplication {

    public static void main(String[] args) {
        SpringApplication.run(PassiveUsersApplication.class, args);
    }
}
