package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Review of d481df9 (an acceptor promises a ballot equal to the one it promised). A ballot names its
 * proposer's voter id, but a process that restarts with its state is the same voter, and the round
 * it starts from is its own acceptor's promise ({@code VoterState.promisedRound}). Where that acceptor
 * did not promise the proposer's own ballot, the restarted process draws the same ballot again for
 * another value: when its acceptor sits the change out ({@link Ballot#FORGOTTEN}, for which
 * promisedRound is 0), or when its disk refused the write (the promise is refused, and the round on
 * disk stays behind). Before d481df9 the acceptors that promised the first life's ballot refused the
 * second life's; now they promise it again, and the second life gets a majority that holds none of
 * what the first accepted. The first life's accepts, still in flight, then land on the same ballot and
 * a third proposer finds a majority that accepted them: two configurations of version 2 commit.
 * A ballot now names its proposer's process life as well, so the second life's is another ballot.
 *
 * <p>Driven by hand: real {@link VoterState}s and {@link VotersDriver}s, the messages delivered (or
 * held back, or dropped) by the test.
 */
class ResendBallotReuseReviewTest {

    private static final long MS = 1_000_000L;
    private static final long GAP = 2200 * MS;
    private static final VotersDriver.Timing TIMING = new VotersDriver.Timing(GAP, 4000 * MS, 2000 * MS, 800 * MS);

    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
    private final Voters v1 = new Voters("0000000003e8-5-00000000000000aa", 1,
            List.of("p@1", "a@1", "b@1", "c@1", "d@1"));
    private final Map<String, VoterState> byUuid = new HashMap<>();
    private final List<Call> queued = new ArrayList<>();

    /** One request in flight: the test delivers it when it likes. */
    private record Call(String from, String to, VotersRequest request, Consumer<VotersReply> onReply) {
        boolean is(VotersRequest.Kind kind, String target) {
            return request.kind == kind && to.equals(target);
        }
    }


    private VoterState acceptor(String node, VoterStore store) {
        VoterState s = new VoterState(node, "1", clock::get, GAP, new Random(1), store);
        s.learn(v1);
        byUuid.put("uuid-" + node, s);
        return s;
    }

    private VotersDriver driver(String node, VoterState state) {
        return new VotersDriver(state, (uuid, request, onReply) -> queued.add(new Call(node, uuid, request,
                onReply)), TIMING, 3, clock.get(), new Random(2));
    }

    /** What {@code self} sees: the members in join order, every live voter's session and a newcomer's. */
    private VotersDriver.View view(String self, List<String> members) {
        List<SessionTable.SessionInfo> sessions = new ArrayList<>();
        Set<String> counting = new HashSet<>();
        for (String node : members) {
            sessions.add(new SessionTable.SessionInfo(node + "/1", node, node + "@1", "uuid-" + node, false,
                    v1.lineage(), clock.get()));
            counting.add(node + "@1");
        }
        return new VotersDriver.View(clock.get(), clock.get() / MS, "uuid-" + self,
                members.stream().map(n -> "uuid-" + n).toList(), sessions, Set.of(), counting, false);
    }

    /** Delivers the queued calls that match, applying each to its target and handing back the reply. */
    private void deliver(VotersRequest.Kind kind, String... targets) {
        for (String t : targets) {
            Call c = take(kind, "uuid-" + t);
            c.onReply.accept(c.request.applyTo(byUuid.get(c.to)));
        }
    }

    private Call take(VotersRequest.Kind kind, String target) {
        for (Call c : queued) {
            if (c.is(kind, target)) {
                queued.remove(c);
                return c;
            }
        }
        throw new AssertionError("no " + kind + " queued to " + target + ": " + queued);
    }

    @Test
    void aRestartedProposerWhoseAcceptorSitsTheChangeOutReusesItsBallotAndTwoConfigurationsOfOneVersionCommit() {
        FlakyVoterStore pDisk = new FlakyVoterStore();
        // p's acceptor sits this change out: it was listed in a lineage it kept no record of (VoterState.adopt).
        pDisk.saved = new VoterStore.Saved("1", v1, Ballot.FORGOTTEN, null, null, 0);
        twoCommitsOfVersionTwo(pDisk, () -> { });
    }

    @Test
    void aRestartedProposerWhoseDiskRefusedItsOwnPromiseReusesItsBallotAndTwoConfigurationsOfOneVersionCommit() {
        FlakyVoterStore pDisk = new FlakyVoterStore();
        pDisk.saved = new VoterStore.Saved("1", v1, Ballot.ZERO, null, null, 0);
        pDisk.failing = true;
        // The disk comes back (space freed, remounted) by the time the process restarts.
        twoCommitsOfVersionTwo(pDisk, () -> pDisk.failing = false);
    }

    private void twoCommitsOfVersionTwo(FlakyVoterStore pDisk, Runnable beforeRestart) {
        VoterState p = acceptor("p", pDisk);
        VoterState a = acceptor("a", new SimulatedNetwork.DiskStore());
        VoterState b = acceptor("b", new SimulatedNetwork.DiskStore());
        VoterState c = acceptor("c", new SimulatedNetwork.DiskStore());
        VoterState d = acceptor("d", new SimulatedNetwork.DiskStore());
        clock.addAndGet(GAP + MS);
        List<String> fleet = List.of("p", "a", "b", "c", "d");

        // Life 1 of p, the driver, adds e: ballot (1, p@1); its own acceptor refuses, a, b and c promise.
        VotersDriver first = driver("p", p);
        first.tick(view("p", concat(fleet, "e")));
        assertThat(queued).as("prepares out").hasSize(4);
        deliver(VotersRequest.Kind.PREPARE, "a", "b", "c");
        queued.removeIf(q -> q.request.kind == VotersRequest.Kind.PREPARE);
        // Accept of v1+e reaches a; those to b and c are held up (a slow link, a member paused); d's is lost.
        deliver(VotersRequest.Kind.ACCEPT, "a");
        Call lateB = take(VotersRequest.Kind.ACCEPT, "uuid-b");
        Call lateC = take(VotersRequest.Kind.ACCEPT, "uuid-c");
        queued.clear();
        Voters withE = lateB.request.value;
        assertThat(withE.ids()).contains("e@1");

        // p's process dies and restarts with its state; e has gone meanwhile and f runs instead.
        beforeRestart.run();
        byUuid.remove("uuid-p");
        VoterState p2 = acceptor("p", pDisk);
        byUuid.put("uuid-p", p2);
        clock.addAndGet(GAP + MS);
        VotersDriver second = driver("p", p2);
        second.tick(view("p", concat(fleet, "f")));
        Call firstPrepare = queued.stream().filter(q -> q.request.kind == VotersRequest.Kind.PREPARE).findFirst()
                .orElseThrow(() -> new AssertionError("the restarted p proposes nothing: " + queued));
        Ballot reused = firstPrepare.request.ballot;
        // b, c (which promised life 1's ballot) and d promise; none of them accepted anything: v1+f.
        deliver(VotersRequest.Kind.PREPARE, "b", "c", "d");
        queued.removeIf(q -> q.request.kind == VotersRequest.Kind.PREPARE);
        if (queued.stream().anyMatch(q -> q.request.kind == VotersRequest.Kind.ACCEPT)) {
            deliver(VotersRequest.Kind.ACCEPT, "b", "c", "d");
        }
        queued.clear();
        Voters atP = p2.current();

        // Life 1's accepts arrive now at b and c, which have not heard of version 2 yet (its learn is slow).
        lateB.onReply.accept(lateB.request.applyTo(b));
        lateC.onReply.accept(lateC.request.applyTo(c));

        // a, which does not see p (cut off from it), drives next: its prepare finds v1+e under the highest ballot.
        VotersDriver third = driver("a", a);
        clock.addAndGet(10 * MS);
        third.tick(view("a", List.of("a", "b", "c", "d", "g")));
        deliver(VotersRequest.Kind.PREPARE, "b", "c");
        queued.removeIf(q -> q.request.kind == VotersRequest.Kind.PREPARE);
        if (queued.stream().anyMatch(q -> q.request.kind == VotersRequest.Kind.ACCEPT)) {
            deliver(VotersRequest.Kind.ACCEPT, "b", "c");
        }
        Voters atA = a.current();

        List<Voters> versionTwo = Stream.of(atP, atA).filter(v -> v.version() == 2).distinct()
                .toList();
        assertThat(versionTwo).as("version 2 as p's second life (ballot " + reused + " again) and as a learned it")
                .hasSizeLessThanOrEqualTo(1);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> all = new ArrayList<>(a);
        all.add(b);
        return all;
    }

    /**
     * The same through a proposer of the release before a ballot named a process life (the voter id
     * alone), restarted with its state during a rolling update: this release's acceptors must not take
     * its equal ballot for a resend (found by the second review).
     */
    @Test
    void anOlderReleaseProposerRestartedWithItsStateReusesItsBallotAndTwoConfigurationsOfOneVersionCommit() {
        VoterState a = acceptor("a", new SimulatedNetwork.DiskStore());
        VoterState b = acceptor("b", new SimulatedNetwork.DiskStore());
        VoterState c = acceptor("c", new SimulatedNetwork.DiskStore());
        VoterState d = acceptor("d", new SimulatedNetwork.DiskStore());
        clock.addAndGet(GAP + MS);
        String lineage = v1.lineage();
        // The release before names a ballot by the voter id alone.
        Ballot older = new Ballot(1, "p@1");
        Voters withE = v1.with("e@1");
        Voters withF = v1.with("f@1");
        Set<Voters> chosen = new LinkedHashSet<>();

        // p's first life: a, b and c promise; its accept of v1+e reaches a, those to b and c are held up.
        assertThat(List.of(a, b, c)).allMatch(s -> s.prepare(lineage, 1, older).promised());
        assertThat(a.accept(lineage, 1, older, withE)).isTrue();

        // p restarts with its state (still the release before) and draws round 1 again, for v1+f.
        List<VoterState> promised = new ArrayList<>();
        List<VoterState.Promise> promises = new ArrayList<>();
        for (VoterState s : List.of(b, c, d)) {
            VoterState.Promise p = s.prepare(lineage, 1, older);
            if (p.promised()) {
                promised.add(s);
                promises.add(p);
            }
        }
        if (promised.size() >= 3) {
            assertThat(promises).allMatch(p -> p.acceptedBallot() == null);
            long accepted = promised.stream().filter(s -> s.accept(lineage, 1, older, withF)).count();
            if (accepted >= 3) {
                chosen.add(withF);
            }
        }

        // The first life's accepts arrive now at b and c: a, b, c have accepted v1+e under the same ballot.
        long late = Stream.of(b, c).filter(s -> s.accept(lineage, 1, older, withE)).count();
        if (late == 2) {
            chosen.add(withE);
        }
        // a, a proposer of this release, drives next: its prepare finds v1+e at a, b and c under the highest ballot.
        Ballot third = new Ballot(2, Ballot.proposerOf("a@1", UUID.randomUUID().toString()));
        List<VoterState.Promise> fromABC = List.of(a, b, c).stream().map(s -> s.prepare(lineage, 1, third)).toList();
        Voters value = fromABC.stream().filter(p -> p.acceptedBallot() != null)
                .max(Comparator.comparing(VoterState.Promise::acceptedBallot))
                .map(VoterState.Promise::acceptedValue).orElse(v1.with("g@1"));
        if (List.of(a, b, c).stream().allMatch(s -> s.accept(lineage, 1, third, value))) {
            chosen.add(value);
        }

        assertThat(chosen).as("configurations of version 2 accepted by a majority of v1 (3 of 5)")
                .hasSizeLessThanOrEqualTo(1);
    }
}
