package dev.baton.coordinator.internal.register;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.register.Answer.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Across two voter changes the majorities of v and v + 2 may not meet, so a value chosen under v can
 * be held by no member of a majority of v + 2. The gate keeps a member from accepting change v + 2
 * until it holds the registers of enough voters of v, each read while it knew v + 1, to meet every
 * majority of v.
 */
class PullGateTest {

    private static final String W = "worker-1";

    private static Set<String> voters(int n) {
        Set<String> voters = new HashSet<>();
        for (int i = 0; i < n; i++) {
            voters.add("v" + i);
        }
        return voters;
    }

    private static Acceptor<String> acceptor(long version) {
        return new Acceptor<>(new MemoryRegisterLog<>(), version);
    }

    /** n - m + 1 voters of n meet every majority m of them, and no fewer do. */
    @Test
    void itNeedsEnoughVotersToMeetEveryMajority() {
        int[] expected = {1, 1, 2, 2, 3, 3, 4};
        for (int n = 1; n <= 7; n++) {
            PullGate<String> gate = new PullGate<>(voters(n), 1);
            assertThat(gate.needed()).as("n = %d", n).isEqualTo(expected[n - 1]);
            assertThat(gate.isOpen()).as("n = %d, nothing pulled", n).isFalse();
            int majority = n / 2 + 1;
            assertThat(gate.needed() + majority).as("it meets every majority of %d, n = %d", majority, n)
                    .isEqualTo(n + 1);
        }
    }

    /**
     * Only a voter of v can have been in the majority that chose a value under v, and only a pull
     * read while it knew v + 1 covers every value that majority chose.
     */
    @Test
    void aPullFromANonVoterOrFromAVoterThatDidNotKnowTheNextVersionDoesNotCount() {
        PullGate<String> gate = new PullGate<>(Set.of("a", "b", "c"), 1);
        Acceptor<String> member = acceptor(1);

        assertThat(gate.offer("d", new Pull<>(1, Map.of()), member)).as("d is no voter of v").isFalse();
        assertThat(gate.offer("a", new Pull<>(0, Map.of()), member)).as("a knew only v").isFalse();
        assertThat(gate.isOpen()).isFalse();
        assertThat(gate.missing()).containsExactlyInAnyOrder("a", "b", "c");

        assertThat(gate.offer("a", new Pull<>(1, Map.of()), member)).isTrue();
        assertThat(gate.offer("b", new Pull<>(2, Map.of()), member)).as("knowing more than v + 1 is knowing v + 1")
                .isTrue();
        assertThat(gate.isOpen()).isTrue();
        assertThat(gate.missing()).containsExactly("c");
    }

    /** Two pulls of one voter meet no more majorities than one. */
    @Test
    void aSecondPullFromTheSameVoterCountsOnce() {
        PullGate<String> gate = new PullGate<>(Set.of("a", "b", "c"), 1);
        Acceptor<String> member = acceptor(1);

        assertThat(gate.offer("a", new Pull<>(1, Map.of()), member)).isTrue();
        assertThat(gate.offer("a", new Pull<>(1, Map.of()), member)).isFalse();

        assertThat(gate.isOpen()).isFalse();
        assertThat(gate.missing()).containsExactlyInAnyOrder("b", "c");
    }

    /**
     * A value that counts towards the gate must survive a crash: a member that forgot it would accept
     * change v + 2 holding nothing of the value chosen under v.
     */
    @Test
    void offeringAPullInstallsItsValuesAndForcesThem() {
        MemoryRegisterLog<String> log = new MemoryRegisterLog<>();
        Acceptor<String> member = new Acceptor<>(log, 1);
        PullGate<String> gate = new PullGate<>(Set.of("a", "b", "c"), 1);
        Accepted<String> value = new Accepted<>(1, new Ballot(2, "s1"), "chosen under v");

        assertThat(gate.offer("a", new Pull<>(1, Map.of(W, value)), member)).isTrue();
        assertThat(log.hasUnforcedWrites()).isFalse();
        log.crash();

        Acceptor<String> restored = new Acceptor<>(log, 1);
        assertThat(restored.state(W).accepted()).isEqualTo(value);
        assertThat(restored.state(W).copy()).isTrue();
        assertThat(restored.state(W).promised()).isEqualTo(value.ballot());
    }

    static Stream<Arguments> pairsOfTheFirstVoters() {
        return Stream.of(Arguments.of("A", "B"), Arguments.of("A", "C"), Arguments.of("B", "C"));
    }

    /**
     * The design's scenario: voters A, B, C (version 0); a value chosen on A and B only; D added
     * (version 1); A to be removed (version 2). C and D are a majority of B, C, D and accepted
     * nothing; whichever two of A, B, C they pull from, one of them had the value, so a prepare on
     * C and D finds it.
     */
    @ParameterizedTest(name = "pulled from {0} and {1}")
    @MethodSource("pairsOfTheFirstVoters")
    void aValueChosenOnTwoOfThreeIsFoundByTheMajorityAfterTwoChanges(String first, String second) {
        Map<String, Acceptor<String>> v0 = Map.of("A", acceptor(0), "B", acceptor(0), "C", acceptor(0));
        Ballot b = new Ballot(1, "holder");
        Accepted<String> value = new Accepted<>(1, b, "claim of slot 7");
        for (String chooser : Set.of("A", "B")) {
            Acceptor<String> acceptor = v0.get(chooser);
            assertThat(acceptor.prepare(W, b).kind()).isEqualTo(Kind.PROMISED);
            assertThat(acceptor.accept(W, b, 0, 1, value.value()).kind()).isEqualTo(Kind.ACCEPTED);
            acceptor.force();
        }
        v0.values().forEach(a -> a.learn(1));
        Acceptor<String> d = acceptor(1);
        Map<String, Acceptor<String>> accepting = Map.of("C", v0.get("C"), "D", d);

        for (Acceptor<String> member : accepting.values()) {
            PullGate<String> gate = new PullGate<>(Set.of("A", "B", "C"), 1);
            assertThat(gate.offer(first, v0.get(first).pull(), member)).isTrue();
            assertThat(gate.isOpen()).isFalse();
            assertThat(gate.offer(second, v0.get(second).pull(), member)).isTrue();
            assertThat(gate.isOpen()).isTrue();
            member.learn(2);
        }

        Ballot next = new Ballot(5, "new holder");
        for (var entry : accepting.entrySet()) {
            Answer<String> promise = entry.getValue().prepare(W, next);
            assertThat(promise.kind()).as(entry.getKey()).isEqualTo(Kind.PROMISED);
            assertThat(promise.version()).isEqualTo(2);
            assertThat(promise.accepted()).as("%s reports the chosen value with its ballot", entry.getKey())
                    .isEqualTo(value);
        }
    }

    /** Without the pull the same majority finds nothing, and a new holder could choose another value at that index. */
    @Test
    void withoutThePullTheMajorityAfterTwoChangesHasLostTheValue() {
        Acceptor<String> a = acceptor(0);
        Acceptor<String> b = acceptor(0);
        Acceptor<String> c = acceptor(0);
        Ballot ballot = new Ballot(1, "holder");
        for (Acceptor<String> chooser : List.of(a, b)) {
            chooser.prepare(W, ballot);
            chooser.accept(W, ballot, 0, 1, "claim of slot 7");
        }
        c.learn(2);
        Acceptor<String> d = acceptor(2);

        Ballot next = new Ballot(5, "new holder");
        Answer<String> fromC = c.prepare(W, next);
        Answer<String> fromD = d.prepare(W, next);

        assertThat(fromC.kind()).isEqualTo(Kind.PROMISED);
        assertThat(fromD.kind()).isEqualTo(Kind.PROMISED);
        assertThat(fromC.accepted()).isNull();
        assertThat(fromD.accepted()).isNull();
        assertThat(c.accept(W, next, 2, 1, "another claim").kind()).isEqualTo(Kind.ACCEPTED);
        assertThat(d.accept(W, next, 2, 1, "another claim").kind()).as("a second value chosen at index 1")
                .isEqualTo(Kind.ACCEPTED);
    }
}
