package dev.baton.coordinator.internal.register;

import dev.baton.coordinator.internal.register.Answer.Kind;

/**
 * The Paxos acceptor rules for one worker's register. Not thread-safe: {@link Acceptor} applies
 * every operation under its monitor, in arrival order, before it logs and answers.
 */
final class Register<V> {

    private RegisterState<V> state;

    Register(RegisterState<V> state) {
        this.state = state;
    }

    RegisterState<V> state() {
        return state;
    }

    /**
     * A ballot at or above the promised one is promised (the same ballot again is the proposer's
     * resend, answered with the current state); a lower one is refused, naming the promised ballot.
     */
    Answer<V> prepare(Ballot ballot, long version) {
        if (state.promised().isAbove(ballot)) {
            return answer(Kind.REFUSED_BALLOT, version);
        }
        state = new RegisterState<>(ballot, state.accepted(), state.copy(), state.chosen());
        return answer(Kind.PROMISED, version);
    }

    /**
     * Accepts {@code value} at {@code index} under {@code ballot} established under voters version
     * {@code tag}. The same operation again, once taken, is answered as taken (a lost answer costs a
     * resend, not a write) if the acceptor still holds it; a ballot and index held as a copy are taken
     * now and lose the mark.
     */
    Answer<V> accept(Ballot ballot, long tag, long index, V value, long version) {
        if (state.promised().isAbove(ballot)) {
            return answer(Kind.REFUSED_BALLOT, version);
        }
        if (tag < version - 1) {
            return answer(Kind.REFUSED_VERSION, version);
        }
        Accepted<V> held = state.accepted();
        if (held != null && held.isAt(index, ballot)) {
            if (!held.value().equals(value)) {
                // A proposer sends one value per ballot and index: another one is not the operation held here.
                return answer(Kind.SUPERSEDED, version);
            }
            if (!state.copy()) {
                return answer(Kind.ACCEPTED, version);
            }
        }
        if (held != null && held.isAfter(index, ballot)) {
            return answer(Kind.SUPERSEDED, version);
        }
        state = new RegisterState<>(ballot, new Accepted<>(index, ballot, value), false, state.chosen());
        return answer(Kind.ACCEPTED, version);
    }

    /**
     * Takes a value from another acceptor (a pull, anti-entropy, a snapshot) if it stands after the
     * one held; the promise rises to its ballot. Returns whether the register changed.
     */
    boolean install(Accepted<V> value) {
        Accepted<V> held = state.accepted();
        if (held != null && !value.isAfter(held)) {
            return false;
        }
        Ballot promised = value.ballot().isAbove(state.promised()) ? value.ballot() : state.promised();
        state = new RegisterState<>(promised, value, true, state.chosen());
        return true;
    }

    /** Raises the promise to {@code ballot} (a pull's promise); returns whether the register changed. */
    boolean raisePromise(Ballot ballot) {
        if (!ballot.isAbove(state.promised())) {
            return false;
        }
        state = new RegisterState<>(ballot, state.accepted(), state.copy(), state.chosen());
        return true;
    }

    /**
     * Takes a chosen notice, which carries the value: it becomes the value known chosen if it is later
     * than the one known, and a register that holds nothing as late takes it too, as a copy (so that a
     * member behind catches up from the notice). Returns whether the register changed.
     */
    boolean chosen(Accepted<V> value) {
        Accepted<V> known = state.chosen();
        if (known != null && known.index() >= value.index()) {
            return false;
        }
        Accepted<V> held = state.accepted();
        if (held == null || value.isAfter(held)) {
            Ballot promised = value.ballot().isAbove(state.promised()) ? value.ballot() : state.promised();
            state = new RegisterState<>(promised, value, true, value);
        } else {
            // Held under a higher ballot at that index, it is the same value (once chosen, every higher
            // ballot there carries it); held later, it was built on this one.
            state = new RegisterState<>(state.promised(), held, state.copy(), held.isAt(value.index(), value.ballot())
                    ? held : value);
        }
        return true;
    }

    private Answer<V> answer(Kind kind, long version) {
        return new Answer<>(kind, version, state.promised(), state.accepted(), state.chosen());
    }
}
