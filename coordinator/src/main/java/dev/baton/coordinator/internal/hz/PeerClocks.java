package dev.baton.coordinator.internal.hz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's clock, as this member estimates it: the median of the members' wall clocks, each
 * measured against this one from session round trips (the sample with the shortest round trip
 * wins, as NTP does). One member whose clock is minutes off moves neither the slots nor the
 * fencing tokens; a change of Hazelcast master does not either. With an even count the later of
 * the two middle clocks is used, the same on every member: a member joining with a clock behind
 * never turns the cluster clock back. Samples are kept per Hazelcast member id.
 */
final class PeerClocks {

    private static final Logger log = LoggerFactory.getLogger(PeerClocks.class);
    private static final int SAMPLES = 8;
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** A member this far off the median is reported: slots and tokens do not follow it. */
    static final long FAR_OFF_MILLIS = 2_000;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    /**
     * A round trip longer than this (a member still starting answers its first messages seconds late)
     * leaves the other clock's reading anywhere within it. Its midpoint, taken alone, once set a
     * two-member cluster's clock 2.5 s ahead; such a sample counts as the offset within what it proves
     * that lies closest to this member's own clock.
     */
    static final long SLOW_RTT_MILLIS = 500;
    /**
     * How long a median stands while no sample arrives: only samples ageing past {@link #FRESH_NANOS}
     * can change it then, and a few milliseconds more or less of freshness move nothing.
     */
    private static final long MEDIAN_REUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private record Sample(long offsetMillis, long rttNanos, long atNanos) {
    }

    /** The median offset as of {@code samples} samples taken, computed at {@code atNanos}. */
    private record Median(long offsetMillis, long samples, long atNanos) {
    }

    private static final class Peer {
        final List<Sample> samples = new ArrayList<>(SAMPLES);
        long warnedAt = Long.MIN_VALUE;
    }

    private final LongSupplier wallMillis;
    private final LongSupplier nanos;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    /** Node ids of the members, for the log. */
    private final Map<String, String> names = new ConcurrentHashMap<>();
    /** Samples taken so far: a new one makes the cached median out of date at once. */
    private final AtomicLong taken = new AtomicLong();
    /** Every claim asks for the cluster time, several times: they share one median instead of each sorting. */
    private volatile Median median;

    void name(String member, String nodeId) {
        if (nodeId != null && !nodeId.isEmpty()) {
            names.put(member, nodeId);
        }
    }

    PeerClocks(LongSupplier wallMillis, LongSupplier nanos) {
        this.wallMillis = wallMillis;
        this.nanos = nanos;
    }

    long wallMillis() {
        return wallMillis.getAsLong();
    }

    /**
     * A round trip to {@code member} (its Hazelcast member id): this member's wall clock when it
     * sent, how long the answer took, and the other member's wall clock when it answered.
     */
    void sample(String member, long sentWallMillis, long rttNanos, long theirWallMillis) {
        String node = member;
        if (node == null || node.isEmpty() || theirWallMillis == 0 || rttNanos < 0) {
            return;
        }
        long rttMillis = TimeUnit.NANOSECONDS.toMillis(rttNanos);
        long offset = theirWallMillis - (sentWallMillis + rttMillis / 2);
        if (rttMillis > SLOW_RTT_MILLIS) {
            // They read their clock between our send and their answer's arrival.
            offset = Math.clamp(0, theirWallMillis - sentWallMillis - rttMillis, theirWallMillis - sentWallMillis);
        }
        Peer p = peers.computeIfAbsent(node, n -> new Peer());
        synchronized (p) {
            if (p.samples.size() == SAMPLES) {
                p.samples.removeFirst();
            }
            p.samples.add(new Sample(offset, rttNanos, nanos.getAsLong()));
        }
        taken.incrementAndGet();
    }

    /** Whether every one of {@code members} answered lately: the median then stands on all of them. */
    boolean sampled(java.util.Collection<String> members) {
        long now = nanos.getAsLong();
        for (String m : members) {
            Peer p = peers.get(m);
            if (p == null) {
                return false;
            }
            synchronized (p) {
                if (p.samples.isEmpty() || now - p.samples.getLast().atNanos() > FRESH_NANOS) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Offsets from this member's wall clock of every member heard from lately, this one (0) included. */
    private List<Long> offsets() {
        long now = nanos.getAsLong();
        List<Long> offsets = new ArrayList<>();
        offsets.add(0L);
        peers.forEach((node, p) -> {
            synchronized (p) {
                p.samples.stream().filter(s -> now - s.atNanos() < FRESH_NANOS)
                        .min((a, b) -> Long.compare(a.rttNanos(), b.rttNanos()))
                        .ifPresent(s -> offsets.add(s.offsetMillis()));
            }
        });
        Collections.sort(offsets);
        return offsets;
    }

    /** The cluster time in epoch milliseconds: the (upper) median of the members' clocks. */
    long clusterMillis() {
        return wallMillis.getAsLong() + medianOffset();
    }

    private long medianOffset() {
        long now = nanos.getAsLong();
        long samples = taken.get();
        Median m = median;
        if (m != null && m.samples() == samples && now - m.atNanos() < MEDIAN_REUSE_NANOS && now >= m.atNanos()) {
            return m.offsetMillis();
        }
        List<Long> offsets = offsets();
        long offset = offsets.get(offsets.size() / 2);
        median = new Median(offset, samples, now);
        return offset;
    }


    /** Logs, now and then, each member whose clock is far off the cluster's. */
    void reportFarOff() {
        List<Long> offsets = offsets();
        long median = offsets.get(offsets.size() / 2);
        long now = nanos.getAsLong();
        if (Math.abs(median) > FAR_OFF_MILLIS && warnable(null, now)) {
            log.warn("This member's clock is {} ms off the cluster's (the median of the members' clocks); slots and"
                    + " fencing tokens follow the cluster's clock. Check NTP on this host", -median);
        }
        peers.forEach((node, p) -> {
            long offset;
            synchronized (p) {
                if (p.samples.isEmpty() || now - p.samples.getLast().atNanos() > FRESH_NANOS) {
                    return;
                }
                offset = p.samples.stream().min((a, b) -> Long.compare(a.rttNanos(), b.rttNanos())).orElseThrow()
                        .offsetMillis();
            }
            if (Math.abs(offset - median) > FAR_OFF_MILLIS && warnable(p, now)) {
                log.warn("The clock of member {} is {} ms off the cluster's (the median of the members' clocks); slots"
                        + " and fencing tokens do not follow it. Check NTP on that host", names.getOrDefault(node, node),
                        offset - median);
            }
        });
    }

    private long selfWarnedAt = Long.MIN_VALUE;

    private synchronized boolean warnable(Peer p, long now) {
        long last = p == null ? selfWarnedAt : p.warnedAt;
        if (last != Long.MIN_VALUE && now - last < WARN_EVERY_NANOS) {
            return false;
        }
        if (p == null) {
            selfWarnedAt = now;
        } else {
            p.warnedAt = now;
        }
        return true;
    }
}
