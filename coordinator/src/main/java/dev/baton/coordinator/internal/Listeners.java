package dev.baton.coordinator.internal;

import dev.baton.worker.ExceptionNotifier;
import dev.baton.worker.ExecutionListener;
import dev.baton.worker.ExecutionResult;
import dev.baton.worker.ExecutionStart;
import dev.baton.worker.MisfirePolicy;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans events out to listeners and notifiers, each call guarded: a broken listener never stops a schedule. */
final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final List<ExecutionListener> listeners;
    private final List<ExceptionNotifier> notifiers;

    Listeners(List<ExecutionListener> listeners, List<ExceptionNotifier> notifiers) {
        this.listeners = List.copyOf(listeners);
        this.notifiers = List.copyOf(notifiers);
    }

    void started(ExecutionStart start) {
        each(l -> l.started(start));
    }

    void ending(ExecutionResult result) {
        each(l -> l.ending(result));
    }

    void finished(ExecutionResult result) {
        each(l -> l.finished(result));
    }

    void notStarted(ExecutionResult result) {
        each(l -> l.notStarted(result));
    }

    void claimLost(String worker, Instant slot) {
        each(l -> l.claimLost(worker, slot));
    }

    void misfired(String worker, Instant first, Instant last, long count, MisfirePolicy policy) {
        each(l -> l.misfired(worker, first, last, count, policy));
    }

    void notifyFailure(ExecutionResult result, Throwable error) {
        for (ExceptionNotifier notifier : notifiers) {
            try {
                notifier.notify(result, error);
            } catch (Throwable t) {
                restoreInterrupt(t);
                log.warn("Exception notifier {} failed; ignored", notifier.getClass().getName(), t);
            }
        }
    }

    private void each(Consumer<ExecutionListener> call) {
        for (ExecutionListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (Throwable t) {
                restoreInterrupt(t);
                log.warn("Execution listener {} failed; ignored", listener.getClass().getName(), t);
            }
        }
    }

    private static void restoreInterrupt(Throwable t) {
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }
}
