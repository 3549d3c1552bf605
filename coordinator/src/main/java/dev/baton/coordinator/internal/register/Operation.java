package dev.baton.coordinator.internal.register;

import java.util.Objects;

/**
 * A register operation a proposer sends to every acceptor. A resend is the identical operation (same
 * id, ballot, index and value): acceptors answer it again from their registers.
 *
 * @param id     the proposer's number for it, so that answers to an older operation are not counted
 * @param tag    for an accept, the voters version its ballot's promises were counted under
 * @param index  for an accept or a chosen notice, the position in the worker's history
 * @param value  for an accept or a chosen notice, the value; for a prepare null
 */
public record Operation<V>(long id, Kind kind, String worker, Ballot ballot, long tag, long index, V value) {

    public enum Kind { PREPARE, ACCEPT, CHOSEN }

    public Operation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(ballot, "ballot");
        if (kind != Kind.PREPARE) {
            Objects.requireNonNull(value, "an accept or a chosen notice carries a value");
        }
    }

    /** Applies this operation to {@code acceptor}; a chosen notice has no answer. */
    public Answer<V> applyTo(Acceptor<V> acceptor) {
        return switch (kind) {
            case PREPARE -> acceptor.prepare(worker, ballot);
            case ACCEPT -> acceptor.accept(worker, ballot, tag, index, value);
            case CHOSEN -> {
                acceptor.chosen(worker, new Accepted<>(index, ballot, value));
                yield null;
            }
        };
    }
}
