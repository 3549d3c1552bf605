package dev.baton.coordinator.internal.register;

import java.util.Objects;

/**
 * What an acceptor keeps of one worker's register, as it is logged and restored.
 *
 * @param promised the highest ballot promised
 * @param accepted the last value held, or null
 * @param copy     whether {@code accepted} was installed from another acceptor rather than accepted
 *                 here: a copy is reported in promises like any value, but never acknowledged as an
 *                 acceptance of this acceptor's, since it never promised that ballot's proposer anything
 * @param chosen   the last value known chosen, or null
 */
public record RegisterState<V>(Ballot promised, Accepted<V> accepted, boolean copy, Accepted<V> chosen) {

    static final RegisterState<?> EMPTY = new RegisterState<>(Ballot.ZERO, null, false, null);

    public RegisterState {
        Objects.requireNonNull(promised, "promised");
    }

    @SuppressWarnings("unchecked")
    public static <V> RegisterState<V> empty() {
        return (RegisterState<V>) EMPTY;
    }
}
