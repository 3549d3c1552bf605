package dev.baton.worker;

/**
 * Told about every exception a worker's {@code doWork} throws (ABP's
 * {@code IExceptionNotifier}): forward it to an error tracker or a pager. Called on the
 * execution's thread with the execution's MDC set; an exception thrown here is logged and
 * ignored, so a broken notifier never stops a schedule.
 */
@FunctionalInterface
public interface ExceptionNotifier {

    void notify(ExecutionResult failedExecution, Throwable error);
}
