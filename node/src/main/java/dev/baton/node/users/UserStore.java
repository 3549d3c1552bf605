package dev.baton.node.users;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo application's users, in memory. Writes carry the fencing token of the execution that
 * makes them, and a write with a token older than the last one is refused: how a real store
 * would protect itself from an executor that lost its lease.
 */
public final class UserStore {

    private final Map<String, User> users = new ConcurrentHashMap<>();
    private volatile long highestFence;

    /** {@code count} users whose last logins are spread over the 60 days before {@code now}. */
    public static UserStore withDemoUsers(int count, Instant now, long seed) {
        UserStore store = new UserStore();
        Random random = new Random(seed);
        for (int i = 1; i <= count; i++) {
            Instant lastLogin = now.minus(Duration.ofMinutes(random.nextInt(60 * 24 * 60)));
            store.users.put("u" + i, new User("u" + i, "user-" + i, lastLogin, User.Status.ACTIVE, 0));
        }
        return store;
    }

    public void put(User user) {
        users.put(user.id(), user);
    }

    public Optional<User> find(String id) {
        return Optional.ofNullable(users.get(id));
    }

    public List<User> all() {
        return List.copyOf(users.values());
    }

    public int size() {
        return users.size();
    }

    /** Records a login: the user is active again. */
    public void login(String id, Instant at) {
        users.computeIfPresent(id, (k, u) -> u.loggedIn(at));
    }

    /**
     * Marks active users who last logged in before {@code cutoff} as passive.
     *
     * @return how many were marked
     * @throws IllegalStateException if {@code fence} is older than a fence already used: a stale executor
     */
    public synchronized int markPassiveBefore(Instant cutoff, long fence) {
        if (fence < highestFence) {
            throw new IllegalStateException("fencing token " + fence + " is older than " + highestFence
                    + "; refusing a write from an executor that lost its lease");
        }
        highestFence = fence;
        int marked = 0;
        for (User u : users.values()) {
            if (u.status() == User.Status.ACTIVE && u.lastLoginAt().isBefore(cutoff)) {
                users.put(u.id(), u.passive(fence));
                marked++;
            }
        }
        return marked;
    }
}
