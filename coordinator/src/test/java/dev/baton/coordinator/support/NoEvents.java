package dev.baton.coordinator.support;

import dev.baton.worker.spi.CoordinationEvents;

/** Events a bare coordination in a test has no one to tell: a node that claims by hand and dies, say. */
public final class NoEvents implements CoordinationEvents {

    public static final CoordinationEvents INSTANCE = new NoEvents();

    private NoEvents() {
    }

    @Override
    public void triggered(String worker) {
    }

    @Override
    public void pauseChanged(String worker, boolean paused) {
    }

    @Override
    public void orphaned(String worker) {
    }
}
