package dev.baton.coordinator.internal;

import dev.baton.worker.BackgroundWorker;
import dev.baton.worker.WorkerInfo;
import dev.baton.worker.WorkerInfo.WorkerState;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A long-running {@link BackgroundWorker}: started and stopped with the manager, on every node. */
final class PlainEntry {

    private static final Logger log = LoggerFactory.getLogger(PlainEntry.class);

    private final BackgroundWorker worker;
    private final String name;
    private final String nodeId;
    private boolean started;

    PlainEntry(BackgroundWorker worker, String name, String nodeId) {
        this.worker = worker;
        this.name = name;
        this.nodeId = nodeId;
    }

    synchronized void start() {
        if (started) {
            return;
        }
        try (MDC.MDCCloseable w = MDC.putCloseable("worker", name); MDC.MDCCloseable n = MDC.putCloseable("node", nodeId)) {
            worker.start();
            started = true;
            log.debug("Background worker {} started", name);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.error("Background worker {} failed to start; it stays stopped", name, e);
        }
    }

    /** Stops the worker, waiting at most {@code limit}; a stop that hangs is left behind with a warning. */
    void stop(Duration limit) {
        synchronized (this) {
            if (!started) {
                return;
            }
            started = false;
        }
        Thread stopper = Thread.ofPlatform().name("baton-stop-" + name).daemon(true).start(() -> {
            try (MDC.MDCCloseable w = MDC.putCloseable("worker", name); MDC.MDCCloseable n = MDC.putCloseable("node", nodeId)) {
                worker.stop();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.error("Background worker {} failed to stop cleanly", name, e);
            }
        });
        try {
            if (!stopper.join(limit)) {
                log.warn("Background worker {} did not stop within {}; moving on", name, limit);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized WorkerInfo info() {
        return new WorkerInfo(name, Optional.empty(), started ? WorkerState.RUNNING : WorkerState.STOPPED,
                Optional.empty(), Optional.empty(), 0, 0);
    }
}
