package dev.baton.coordinator.support;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Holds an execution inside {@code doWork} until the test opens it. */
public final class Gate {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);

    /** Called by the worker: waits until opened (or interrupted). */
    public void pass() throws InterruptedException {
        entered.countDown();
        open.await();
    }

    public boolean entered() {
        return entered.getCount() == 0;
    }

    public void awaitEntered() throws InterruptedException {
        if (!entered.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the execution never reached the gate");
        }
    }

    public void open() {
        open.countDown();
    }
}
