package dev.baton.coordinator.internal.register;

import java.util.Map;

/** Delivers a proposer's operation to some acceptors and their answers back, with no network between. */
final class Exchanges {

    /** Returns the proposer's next operation, or null if the answers called for none. */
    static <V> Operation<V> exchange(Map<String, Acceptor<V>> acceptors, Proposer<V> proposer, Operation<V> operation,
                                     String... to) {
        Operation<V> next = null;
        for (String member : to) {
            Answer<V> answer = operation.applyTo(acceptors.get(member));
            acceptors.get(member).force();
            Operation<V> step = answer == null ? null : proposer.onAnswer(member, operation.id(), answer);
            if (step != null) {
                next = step;
            }
        }
        return next;
    }

    private Exchanges() {
    }
}
