/**
 * Baton's public API: workers, schedules, scopes, the manager, listeners, and the coordination SPI.
 * {@code dev.baton.worker.internal} is the engine's way in to a worker's {@code doWork}: exported
 * to the engine only.
 */
@SuppressWarnings("module") // the engine module, named in the qualified export, is compiled after this one
module dev.baton.worker {
    requires org.slf4j;
    requires com.cronutils;

    exports dev.baton.worker;
    exports dev.baton.worker.spi;
    exports dev.baton.worker.internal to dev.baton.coordinator;
}
