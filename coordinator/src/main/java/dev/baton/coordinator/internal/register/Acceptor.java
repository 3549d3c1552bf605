package dev.baton.coordinator.internal.register;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One member's registers, one per worker it has heard of, and the voters version it knows. Every
 * operation is checked and applied under this monitor in arrival order and written to the log; the
 * caller forces the log before it sends the answers, so that an answer never vouches for a state a
 * crash could take back. (Checked after a group's force instead, two operations of one group would
 * both be judged against the state before it, and two values could be chosen at one index.) The
 * force comes before every answer, also to an operation that wrote nothing (a resend, a prepare of
 * the promised ballot): its answer reports state an earlier operation wrote, perhaps not forced yet.
 */
public final class Acceptor<V> {

    private final RegisterLog<V> log;
    /** In name order, so that a pull reads its pieces without sorting under this monitor. */
    private final NavigableMap<String, Register<V>> registers = new TreeMap<>();
    private final LongSupplier versions;
    /** The version this acceptor keeps itself, or null when it reads the voter state's. */
    private final AtomicLong own;

    /**
     * An acceptor resumed from its log that reads the voters version from the voter state each time it
     * applies an operation, so that the two never drift apart (an acceptor two versions behind its
     * voter state would tag its answers, and its pulls, with a version it has moved past).
     *
     * @param versions the version the voter state knows; it only rises
     */
    public Acceptor(RegisterLog<V> log, LongSupplier versions) {
        this(log, versions, null);
    }

    /** An acceptor resumed from its log that keeps its version itself, moved by {@link #learn}: for simulations. */
    public Acceptor(RegisterLog<V> log, long version) {
        this(log, null, new AtomicLong(version));
    }

    private Acceptor(RegisterLog<V> log, LongSupplier versions, AtomicLong own) {
        this.log = Objects.requireNonNull(log, "log");
        this.own = own;
        this.versions = own != null ? own::get : Objects.requireNonNull(versions, "versions");
        log.restore().forEach((worker, state) -> registers.put(worker, new Register<>(state)));
    }

    public synchronized Answer<V> prepare(String worker, Ballot ballot) {
        Register<V> register = register(worker);
        RegisterState<V> before = register.state();
        Answer<V> answer = register.prepare(ballot, versions.getAsLong());
        logIfChanged(worker, before, register);
        return answer;
    }

    public synchronized Answer<V> accept(String worker, Ballot ballot, long tag, long index, V value) {
        Register<V> register = register(worker);
        RegisterState<V> before = register.state();
        Answer<V> answer = register.accept(ballot, tag, index, value, versions.getAsLong());
        logIfChanged(worker, before, register);
        return answer;
    }

    /** Takes a chosen notice: the value chosen at its index, under the ballot its writer learned it by. */
    public synchronized void chosen(String worker, Accepted<V> value) {
        Register<V> register = register(worker);
        if (register.chosen(value)) {
            log.write(worker, register.state());
        }
    }

    /** Takes the values of another acceptor's pull that stand after the ones held here, and its promises. */
    public synchronized void install(Pull<V> pull) {
        pull.values().forEach((worker, value) -> {
            Register<V> register = register(worker);
            if (register.install(value)) {
                log.write(worker, register.state());
            }
        });
        pull.promises().forEach((worker, ballot) -> {
            Register<V> register = register(worker);
            if (register.raisePromise(ballot)) {
                log.write(worker, register.state());
            }
        });
    }

    /** Every value held and every promise made, with the version known now. */
    public synchronized Pull<V> pull() {
        return pull(null, Integer.MAX_VALUE);
    }

    /**
     * A piece of {@link #pull()}: the values and promises of at most {@code limit} workers named after
     * {@code after} (in name order; null for the first piece), with the version known now. A register that
     * held a value or a promise before the first piece was read is in some piece, whichever piece reads it.
     */
    public synchronized Pull<V> pull(String after, int limit) {
        // The version first: it vouches for the registers read after it (no operation runs in between).
        long version = versions.getAsLong();
        Map<String, Accepted<V>> values = new HashMap<>();
        Map<String, Ballot> promises = new HashMap<>();
        int workers = 0;
        for (Map.Entry<String, Register<V>> e : (after == null ? registers : registers.tailMap(after, false))
                .entrySet()) {
            if (workers >= limit) {
                break;
            }
            RegisterState<V> state = e.getValue().state();
            if (state.accepted() == null && !state.promised().isAbove(Ballot.ZERO)) {
                continue;
            }
            workers++;
            if (state.accepted() != null) {
                values.put(e.getKey(), state.accepted());
            }
            if (state.promised().isAbove(Ballot.ZERO)) {
                promises.put(e.getKey(), state.promised());
            }
        }
        return new Pull<>(version, values, promises);
    }

    /** The values held for {@code workers} (those that hold one), with the version known now. */
    public synchronized Pull<V> values(Collection<String> workers) {
        long version = versions.getAsLong();
        Map<String, Accepted<V>> values = new HashMap<>();
        for (String worker : workers) {
            Register<V> register = registers.get(worker);
            Accepted<V> held = register == null ? null : register.state().accepted();
            if (held != null) {
                values.put(worker, held);
            }
        }
        return new Pull<>(version, values);
    }

    /** Learns a voters version; versions only rise. Only for an acceptor that keeps its version itself. */
    public void learn(long known) {
        if (own == null) {
            throw new IllegalStateException("this acceptor reads its version from the voter state");
        }
        own.accumulateAndGet(known, Math::max);
    }

    public long version() {
        return versions.getAsLong();
    }

    public synchronized RegisterState<V> state(String worker) {
        Register<V> register = registers.get(worker);
        return register == null ? RegisterState.empty() : register.state();
    }

    public void force() {
        log.force();
    }

    /** A resend answered again from the register costs no write. */
    private void logIfChanged(String worker, RegisterState<V> before, Register<V> register) {
        if (!register.state().equals(before)) {
            log.write(worker, register.state());
        }
    }

    private Register<V> register(String worker) {
        return registers.computeIfAbsent(worker, w -> new Register<>(RegisterState.empty()));
    }
}
