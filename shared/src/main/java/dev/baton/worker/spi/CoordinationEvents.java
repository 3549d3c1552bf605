package dev.baton.worker.spi;

import java.time.Instant;
import java.util.Optional;

/** What a coordination tells the engine. Called on the coordination's threads; must return quickly. */
public interface CoordinationEvents {

    /** Someone asked for an extra run of the worker. */
    void triggered(String worker);

    /** The worker was paused or resumed on some node (an action whose token is not known). */
    void pauseChanged(String worker, boolean paused);

    /**
     * The worker was paused or resumed on some node by the action with {@code token} (the record's
     * {@link WorkerRecord#pauseToken()} after it, 0 if not known), made at {@code madeAt} (the record's
     * {@link WorkerRecord#pauseChangedAt()}, if known). Events of two actions can arrive in either
     * order, the one with the higher token being the later; one held up on its way still tells which
     * slots fell before its action.
     */
    default void pauseChanged(String worker, boolean paused, long token, Optional<Instant> madeAt) {
        pauseChanged(worker, paused);
    }

    /**
     * An execution of the worker ended without finishing its slot (its node died, lost its lease,
     * or was shut down mid-run): the slot may need a re-run.
     */
    void orphaned(String worker);

    /**
     * The set of nodes changed (one joined, left or stopped answering): the preferred node of
     * some workers may have changed, and a node that just became preferred may want to run a
     * slot its predecessor missed.
     */
    default void rebalanced() {
    }
}
