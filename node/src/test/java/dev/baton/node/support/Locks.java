package dev.baton.node.support;

/**
 * What test classes that run side by side (the process tests, see the node's pom) must not use at
 * once, as names for {@link org.junit.jupiter.api.parallel.ResourceLock}.
 */
public final class Locks {

    /**
     * The Docker engine: one test class at a time builds images and runs containers, each of which is
     * a whole node JVM on the two cores the other class's nodes also run on.
     */
    public static final String DOCKER = "docker";

    private Locks() {
    }
}
