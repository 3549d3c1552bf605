package dev.baton.coordinator.internal.hz;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's one thread: sends changes as soon as there are some (one message in flight per
 * member, so they stay in order), renews every renew interval, expires silent sessions, and
 * watches this session's validity.
 */
final class SessionLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SessionLoop.class);
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final HzCoordination coordination;
    private final HazelcastInstance hazelcast;
    private final IExecutorService executor;
    private final long renewNanos;
    private final AtomicBoolean wake = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile Thread thread;
    /**
     * Replies are handled here, in order, on one named thread: Hazelcast would otherwise run each
     * callback on its default async executor, which on a machine with two cores or fewer starts a
     * new unnamed thread per reply.
     */
    private volatile ExecutorService replies;

    /** Runs reply handlers on the replies thread; once the loop stopped, late replies are dropped quietly. */
    private final java.util.concurrent.Executor onReplies = task -> {
        ExecutorService r = replies;
        try {
            if (r != null) {
                r.execute(task);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.trace("A reply arrived after the session loop stopped; dropped");
        }
    };

    SessionLoop(HzCoordination coordination, HazelcastInstance hazelcast, IExecutorService executor, long renewNanos) {
        this.coordination = coordination;
        this.hazelcast = hazelcast;
        this.executor = executor;
        this.renewNanos = renewNanos;
    }

    void start(String nodeId) {
        replies = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("baton-session-replies-" + nodeId)
                .daemon(true).factory());
        thread = Thread.ofPlatform().name("baton-session-" + nodeId).daemon(true).start(this);
    }

    void wake() {
        wake.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Stops the loop and waits for it (bounded). */
    void stop() {
        stopped = true;
        wake();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ExecutorService r = replies;
        if (r != null) {
            r.shutdown();
            try {
                if (!r.awaitTermination(2, TimeUnit.SECONDS)) {
                    r.shutdownNow();
                }
            } catch (InterruptedException e) {
                r.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        long nextRenewal = 0;
        while (!stopped) {
            try {
                long now = System.nanoTime();
                List<Member> members = List.copyOf(hazelcast.getCluster().getMembers());
                coordination.watchSession(now);
                coordination.maintain(now, members);
                coordination.table().sweep();
                boolean heartbeat = now - nextRenewal >= 0;
                if (heartbeat) {
                    nextRenewal = now + renewNanos;
                }
                wake.set(false);
                LocalSession session = coordination.session();
                send(session, session.round(new LinkedHashSet<>(members), now, heartbeat));
            } catch (RuntimeException e) {
                // Hazelcast shutting down, or a member list in flux: the next round tries again.
                log.debug("Session round failed; trying again", e);
            }
            if (!wake.get()) {
                LockSupport.parkNanos(SWEEP_NANOS);
            }
        }
    }

    /** Sends a step of agreeing on the voters to a member; the reply is handled on the replies thread. */
    void callVoters(String memberUuid, VotersRequest request, Consumer<VotersReply> onReply) {
        call(memberUuid, new VotersTask(request), onReply, "Voters request");
    }

    /** Asks a voter for a piece of its worker registers ({@link VoterPulls}). */
    void callPull(String memberUuid, PullRequest request, Consumer<PullReply> onReply) {
        call(memberUuid, request, onReply, "Register pull");
    }

    /** Runs {@code task} on a member; the reply (null if none came) is handled on the replies thread. */
    private <T> void call(String memberUuid, Callable<T> task, Consumer<T> onReply, String what) {
        Member target = hazelcast.getCluster().getMembers().stream()
                .filter(m -> m.getUuid().toString().equals(memberUuid)).findFirst().orElse(null);
        if (target == null || replies == null) {
            onReply.accept(null);
            return;
        }
        try {
            Future<T> reply = executor.submitToMember(task, target);
            ((CompletionStage<T>) reply).whenCompleteAsync((answer, failure) -> {
                if (failure != null) {
                    log.debug("{} to member {} failed: {}", what, memberUuid, failure.toString());
                }
                onReply.accept(failure == null ? answer : null);
            }, onReplies);
        } catch (RuntimeException e) {
            log.debug("{} to member {} could not be sent: {}", what, memberUuid, e.toString());
            onReply.accept(null);
        }
    }

    private void send(LocalSession session, Iterable<LocalSession.Outgoing> outgoing) {
        for (LocalSession.Outgoing o : outgoing) {
            String uuid = o.member().getUuid().toString();
            try {
                Future<SessionReply> reply = executor.submitToMember(new RenewTask(o.message()), o.member());
                ((CompletionStage<SessionReply>) reply).whenCompleteAsync((r, failure) -> {
                    if (failure == null) {
                        session.onReply(uuid, o.message(), o.sentNanos(), r);
                    } else {
                        session.onFailure(uuid, o.sentNanos());
                        log.debug("Renewal to member {} failed: {}", uuid, failure.toString());
                    }
                }, onReplies);
            } catch (RuntimeException e) {
                session.onFailure(uuid, o.sentNanos());
                log.debug("Renewal to member {} could not be sent: {}", uuid, e.toString());
            }
        }
    }
}
