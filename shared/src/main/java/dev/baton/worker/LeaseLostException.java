package dev.baton.worker;

/** The execution no longer holds its lease: another node may run (or already runs) the worker. */
public final class LeaseLostException extends IllegalStateException {

    public LeaseLostException(String worker, long fencingToken) {
        super("lease of worker '" + worker + "' with fencing token " + fencingToken + " is lost;"
                + " stop now, another node may already run this worker");
    }
}
