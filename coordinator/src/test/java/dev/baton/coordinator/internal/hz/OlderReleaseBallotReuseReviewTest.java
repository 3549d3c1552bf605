package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Review of 02cde3a (a ballot names its proposer's process life: {@code voterId#uuid}). Only this
 * release's proposers do: during a rolling update a node of the release before still proposes
 * with {@code Ballot(round, voterId)}, and, restarted with its state (a crash or an eviction of a
 * pod not yet replaced, so still the release before), it can draw the round of its earlier life
 * again, as ResendBallotReuseReviewTest shows (its own acceptor sits the change out: FORGOTTEN, or
 * its disk refused its own promise). The release before's acceptors refused that equal ballot;
 * this release's acceptors promise it as a resend, so the second life gets a majority, and the
 * first life's late accepts land under the same ballot: two configurations of one version commit.
 * A ballot that names no process life (no {@code #}) is no resend.
 *
 * <p>Driven by hand on real {@link VoterState}s of this release (a, b, c, d); the older proposer p
 * is the requests it sends. Passes with d481df9^'s VoterState (an equal ballot refused).
 */
class OlderReleaseBallotReuseReviewTest {

    private static final long MS = 1_000_000L;
    private static final long GAP = 2200 * MS;

    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
    private final Voters v1 = new Voters("0000000003e8-5-00000000000000aa", 1,
            List.of("p@1", "a@1", "b@1", "c@1", "d@1"));

    private VoterState acceptor(String node) {
        VoterState s = new VoterState(node, "1", clock::get, GAP, new Random(1), new SimulatedNetwork.DiskStore());
        s.learn(v1);
        return s;
    }

    @Test
    void anOlderReleaseProposerRestartedWithItsStateReusesItsBallotAndTwoConfigurationsOfOneVersionCommit() {
        VoterState a = acceptor("a");
        VoterState b = acceptor("b");
        VoterState c = acceptor("c");
        VoterState d = acceptor("d");
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
        long late = java.util.stream.Stream.of(b, c).filter(s -> s.accept(lineage, 1, older, withE)).count();
        if (late == 2) {
            chosen.add(withE);
        }
        // a, a proposer of this release, drives next: its prepare finds v1+e at a, b and c under the highest ballot.
        Ballot third = new Ballot(2, "a@1#" + java.util.UUID.randomUUID());
        List<VoterState.Promise> fromABC = List.of(a, b, c).stream().map(s -> s.prepare(lineage, 1, third)).toList();
        Voters value = fromABC.stream().filter(p -> p.acceptedBallot() != null)
                .max(java.util.Comparator.comparing(VoterState.Promise::acceptedBallot))
                .map(VoterState.Promise::acceptedValue).orElse(v1.with("g@1"));
        if (List.of(a, b, c).stream().allMatch(s -> s.accept(lineage, 1, third, value))) {
            chosen.add(value);
        }

        assertThat(chosen).as("configurations of version 2 accepted by a majority of v1 (3 of 5)")
                .hasSizeLessThanOrEqualTo(1);
    }
}
