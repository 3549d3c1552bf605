package dev.baton.coordinator.internal.hz;

import java.io.IOException;
import java.util.Optional;

/** A voter store on a disk that can refuse writes (full, read-only remount), as FileVoterStore's save then throws. */
final class FlakyVoterStore implements VoterStore {

    volatile boolean failing;
    volatile Saved saved;

    @Override
    public Optional<Saved> load() {
        return Optional.ofNullable(saved);
    }

    @Override
    public void save(Saved state) throws IOException {
        if (failing) {
            throw new IOException("No space left on device");
        }
        saved = state;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public void close() {
    }
}
