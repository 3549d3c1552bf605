package dev.baton.coordinator.internal.hz;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The highest fencing token this member has seen, from its own claims, the records it read and
 * every session message and reply. Claims go above it, so tokens keep increasing when a record
 * is lost or rebuilt under a clock that is behind.
 */
public final class FenceFloor {

    private final AtomicLong highest = new AtomicLong();

    long get() {
        return highest.get();
    }

    void raise(long seen) {
        highest.accumulateAndGet(seen, Math::max);
    }
}
