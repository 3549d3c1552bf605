/**
 * Baton's engine: {@code Baton.manager(...)}, the in-memory and Hazelcast coordinations, metrics,
 * health, and {@code ManualTime} for tests. The machinery in {@code dev.baton.coordinator.internal}
 * is not exported; Hazelcast may reflect into the part of it that it instantiates by name.
 */
module dev.baton.coordinator {
    requires transitive dev.baton.worker;
    // HazelcastCoordination takes Hazelcast's Config and HazelcastInstance.
    requires transitive com.hazelcast.core;
    requires org.slf4j;
    // Only BatonMetrics needs Micrometer; applications without it never load that class.
    requires static transitive micrometer.core;

    exports dev.baton.coordinator;
    exports dev.baton.coordinator.testing;

    // The merge policy is named in the map's configuration and made by Hazelcast.
    opens dev.baton.coordinator.internal.hz to com.hazelcast.core;
}
