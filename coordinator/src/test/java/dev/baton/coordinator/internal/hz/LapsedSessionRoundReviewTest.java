package dev.baton.coordinator.internal.hz;

import static dev.baton.coordinator.internal.hz.SessionFixtures.member;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.baton.coordinator.support.HazelcastMembers;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The twenty-eighth review, of the cluster upkeep run at most every 10 ms (a307bda): a session whose
 * validity has passed must be found dead before it sends anything more ("it never renews again, so that
 * nothing it held can come back"). With the check inside the upkeep, a round woken within 10 ms of the
 * last one went out unchecked, so a session that lapsed a moment ago still sent renewals, and a voter that
 * answered one brought it back to life: it never died, and its lost locks were never told lost.
 *
 * <p>Here: the real {@link SessionLoop} over a real {@link HzCoordination} (not started), whose session
 * is swapped for one of two voters, n1 (this node) and n2, n2 answered through a table of its own. n2
 * stops acknowledging, the session's validity passes; n2 then acknowledges one message more, the first
 * stamped after it passed. A session renewed by a round it ran while valid (stamped a moment later) is
 * not counted; one renewed by a round run after its validity passed is. The loop is woken busily, as by a
 * stream of changes.
 */
class LapsedSessionRoundReviewTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LEASE = 200 * MS;
    private static final long EXPIRY = 220 * MS;
    private static final UUID SELF = new UUID(0, 1);
    private static final Voters VOTERS = new Voters("0001-x", 1, List.of("n1@1", "n2@1"));

    private final HazelcastMembers members = new HazelcastMembers(1);
    private HzCoordination coordination;
    private SessionLoop loop;

    private volatile SessionTable theirs;
    private volatile boolean silent;
    private volatile String current = "";
    private final java.util.concurrent.atomic.AtomicBoolean answeredOnce = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long ackSentAfter = Long.MAX_VALUE;

    @AfterEach
    void close() {
        if (loop != null) {
            loop.stop();
        }
        members.close();
    }

    @Test
    void aSessionWhoseValidityPassedSendsNothingMoreAndStaysDead() throws Exception {
        AtomicReference<LocalSession> sessionRef = loopOverACoordination();

        List<String> resurrected = new ArrayList<>();
        for (int trial = 0; trial < 12; trial++) {
            SessionTable mine = table("n1", VOTERS);
            LocalSession session = validSession(sessionRef, mine, trial);
            // The session holds a worker's lock, as a run does; a run stops when it is lost (Execution).
            CompletableFuture<Boolean> granted = session.acquire("w");
            for (int i = 0; i < 300 && !granted.isDone(); i++) {
                loop.wake();
                Thread.sleep(2);
            }
            assertThat(granted.getNow(null)).as("trial %s: the lock on w is granted (mine: %s, theirs: %s, dead %s)",
                    trial, mine.holder("w"), theirs.holder("w"), session.isDead()).isTrue();
            java.util.concurrent.atomic.AtomicBoolean lost = new java.util.concurrent.atomic.AtomicBoolean();
            session.onLost("w", () -> lost.set(true));
            Thread.sleep(40);

            // n2 goes silent; once nothing more is on the way, the session's validity is known.
            silent = true;
            Thread.sleep(30);
            long validUntil = session.validUntil();
            // From now on n2 acknowledges one message only, the first stamped after the validity passed.
            ackSentAfter = validUntil + MS;
            long end = validUntil + 80 * MS;
            int change = 0;
            while (System.nanoTime() < end) {
                // A stream of changes (registrations here; claims and writes in the product) wakes the loop.
                session.announce(SessionOp.Kind.REGISTER, "w" + change++, false);
                LockSupport.parkNanos(200_000);
            }
            // A loop held up a while (a collection, a slow machine) still finds it dead, or it came back.
            long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!session.isDead() && !session.isValid() && System.nanoTime() < settleBy) {
                Thread.sleep(5);
            }
            // Credited with the round's own time: at or after the validity passed, that round went out unchecked
            // (one that went out just before, while valid, and was stamped a moment later renews rightly).
            long creditedRound = session.validUntil() - LEASE;
            if (!session.isDead() && creditedRound >= validUntil) {
                resurrected.add(session.id + " (renewed by a round " + (creditedRound - validUntil) / 1000
                        + " us after its validity passed; valid: " + session.isValid() + ", holds w: "
                        + session.holds("w") + ", its loss told: " + lost.get() + ")");
            }
        }
        assertThat(resurrected).as("sessions that lapsed, sent afterwards, and came back instead of dying")
                .isEmpty();
    }

    /**
     * How late the loop finds a lapsed session dead: an idle loop checks at least every park (50 ms), and
     * a wake checked at once, so 50 ms was the worst. Now a wake within 10 ms of the last check runs a round
     * without one and parks a full 50 ms after it: the lapse goes unnoticed (executions not interrupted,
     * register writes not given up, no replacement counted down) for up to 60 ms. Here the loop is woken
     * 4 ms before the validity passes (it checks: valid) and again 3 ms after (it does not check), as a
     * write or a reply would.
     */
    @Test
    void aLapsedSessionIsFoundDeadNoLaterThanAnIdleLoopsPark() throws Exception {
        AtomicReference<LocalSession> sessionRef = loopOverACoordination();

        List<Long> latenessMillis = new ArrayList<>();
        for (int trial = 0; trial < 5; trial++) {
            LocalSession session = validSession(sessionRef, table("n1", VOTERS), trial);
            Thread.sleep(40);
            silent = true;
            Thread.sleep(30);
            long validUntil = session.validUntil();
            spinUntil(validUntil - 4 * MS);
            loop.wake();
            spinUntil(validUntil + 3 * MS);
            loop.wake();
            long diedAt = Long.MAX_VALUE;
            while (System.nanoTime() < validUntil + 300 * MS) {
                if (session.isDead()) {
                    diedAt = System.nanoTime();
                    break;
                }
                LockSupport.parkNanos(100_000);
            }
            latenessMillis.add((diedAt - validUntil) / MS);
        }
        assertThat(latenessMillis).as("ms from the validity passing to the session found dead, per trial")
                .allMatch(ms -> ms <= 50);
    }

    /** The real loop over a coordination (never started) whose session each trial replaces; the session's holder. */
    private AtomicReference<LocalSession> loopOverACoordination() throws Exception {
        coordination = new HzCoordination(members.start(), "n1", HzSettings.forLease(Duration.ofMillis(500), 1,
                Duration.ofSeconds(30)), null);
        Set<Member> view = new LinkedHashSet<>(List.of(member(SELF), member(new UUID(0, 2))));
        loop = new SessionLoop(coordination, hazelcast(view), executor(), 20 * MS);
        Field sessionField = HzCoordination.class.getDeclaredField("session");
        sessionField.setAccessible(true);
        @SuppressWarnings("unchecked")
        AtomicReference<LocalSession> sessionRef = (AtomicReference<LocalSession>) sessionField.get(coordination);
        return sessionRef;
    }

    /** A new session of the two voters on {@code mine}, n2 answering from a new table of its own; once valid. */
    private LocalSession validSession(AtomicReference<LocalSession> sessionRef, SessionTable mine, int trial)
            throws InterruptedException {
        theirs = table("n2", VOTERS);
        silent = false;
        ackSentAfter = Long.MAX_VALUE;
        answeredOnce.set(false);
        current = "s" + trial;
        LocalSession session = new LocalSession("s" + trial, Set.of(), new LocalSession.Context("n1",
                SELF::toString, mine, mine.voters(), new FenceFloor(), new PeerClocks(() -> 0L, System::nanoTime),
                System::nanoTime, LEASE, 1, loop::wake, new LongAdder()));
        sessionRef.set(session);
        if (trial == 0) {
            loop.start("review");
        }
        long by = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!session.isValid() && System.nanoTime() < by) {
            loop.wake();
            Thread.sleep(2);
        }
        assertThat(session.isValid()).as("n2 acknowledges the session").isTrue();
        return session;
    }

    private static void spinUntil(long nanos) {
        while (System.nanoTime() < nanos) {
            LockSupport.parkNanos(50_000);
        }
    }

    private SessionTable table(String node, Voters voters) {
        VoterState state = new VoterState(node, "1", System::nanoTime, EXPIRY);
        state.learn(voters);
        return new SessionTable(EXPIRY, 60 * MS, System::nanoTime, state, new FenceFloor(), () -> 0L);
    }

    private SessionReply answer(SessionMessage message) {
        // A session of an earlier trial (dead, or come back) talks to its own n2 no more.
        if (!message.session.equals(current)
                || silent && (message.sentNanos < ackSentAfter || !answeredOnce.compareAndSet(false, true))) {
            return SessionReply.of(SessionReply.Status.NOT_MEMBER);
        }
        return theirs.receive(message);
    }

    private IExecutorService executor() {
        return (IExecutorService) Proxy.newProxyInstance(IExecutorService.class.getClassLoader(),
                new Class<?>[] {IExecutorService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("submitToMember") && args[0] instanceof RenewTask task) {
                        Field f = RenewTask.class.getDeclaredField("message");
                        f.setAccessible(true);
                        SessionMessage message = (SessionMessage) f.get(task);
                        return CompletableFuture.completedFuture(answer(message));
                    }
                    if (method.getName().equals("submitToMember")) {
                        return new CompletableFuture<>();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static HazelcastInstance hazelcast(Set<Member> view) {
        Cluster cluster = (Cluster) Proxy.newProxyInstance(Cluster.class.getClassLoader(),
                new Class<?>[] {Cluster.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMembers" -> view;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (HazelcastInstance) Proxy.newProxyInstance(HazelcastInstance.class.getClassLoader(),
                new Class<?>[] {HazelcastInstance.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getCluster" -> cluster;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
