package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.internal.SlotState;
import dev.baton.coordinator.internal.register.Accepted;
import dev.baton.coordinator.internal.register.Ballot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A read from a quorum (step 4): a view shows the newest value known chosen among a majority of the voters,
 * whichever member serves it, so a member that missed writes (cut off, or just joined) no longer shows its
 * own stale record; one voter's acceptance of a write given up is never shown (the twenty-third review: two
 * reads with no write between them disagreed); a member that hears fewer than a majority shows nothing.
 */
class RegisterReadsTest {

    private static final Voters VOTERS = new Voters("L", 3, List.of("a/1", "b/1", "c/1"));

    private static Accepted<SlotState> value(long index, long round, long pauseToken) {
        SlotState s = SlotState.empty("w");
        return new Accepted<>(index, new Ballot(round, "s" + round),
                s.withFlags(s.flags().withPaused(pauseToken % 2 == 1, pauseToken)));
    }

    private static RegisterReads.Answer answer(String voter, Accepted<SlotState> chosen, Accepted<SlotState> accepted) {
        Map<String, RegisterReads.Held> held = new HashMap<>();
        held.put("w", new RegisterReads.Held(chosen, accepted));
        return new RegisterReads.Answer(voter, "L", held);
    }

    private static long pauseToken(Optional<Map<String, Optional<SlotState>>> read) {
        return read.orElseThrow().get("w").orElseThrow().flags().pauseToken();
    }

    @Test
    void aValueAMemberLearnedChosenIsShownWhateverTheAskingMemberHolds() {
        // c missed the last two writes: on its own it would show token 1.
        var read = RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1), value(1, 1, 1)),
                answer("a/1", value(3, 2, 3), value(3, 2, 3))), List.of("w"));
        assertThat(pauseToken(read)).isEqualTo(3);
    }

    @Test
    void aValueAMajorityAcceptedIsChosenBeforeAnyoneLearnsIt() {
        var read = RegisterReads.newest(VOTERS, List.of(answer("a/1", value(2, 1, 2), value(3, 4, 3)),
                answer("b/1", value(2, 1, 2), value(3, 4, 3))), List.of("w"));
        assertThat(pauseToken(read)).isEqualTo(3);
    }

    @Test
    void oneVotersAcceptanceOfAWriteGivenUpIsNotShown() {
        Accepted<SlotState> chosen = value(5, 2, 10);
        Accepted<SlotState> givenUp = value(6, 2, 11);
        var first = RegisterReads.newest(VOTERS, List.of(answer("a/1", chosen, givenUp), answer("b/1", chosen, chosen)),
                List.of("w"));
        var second = RegisterReads.newest(VOTERS, List.of(answer("b/1", chosen, chosen), answer("c/1", chosen, chosen)),
                List.of("w"));
        assertThat(pauseToken(first)).as("read of {a, b}").isEqualTo(10);
        assertThat(pauseToken(second)).as("read of {b, c}").isEqualTo(10);
    }

    @Test
    void acceptancesAtOneIndexUnderDifferentBallotsAreNotAMajority() {
        var read = RegisterReads.newest(VOTERS, List.of(answer("a/1", value(1, 1, 2), value(2, 5, 7)),
                answer("b/1", value(1, 1, 2), value(2, 6, 9))), List.of("w"));
        assertThat(pauseToken(read)).isEqualTo(2);
    }

    @Test
    void fewerThanAMajorityOfTheVotersShowNothing() {
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1), null)), List.of("w"))).isEmpty();
        RegisterReads.Answer otherLineage = new RegisterReads.Answer("a/1", "M",
                Map.of("w", new RegisterReads.Held(value(9, 9, 9), null)));
        RegisterReads.Answer notAVoter = answer("d/1", value(9, 9, 9), null);
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1), null), otherLineage, notAVoter),
                List.of("w"))).as("another lineage's and a non-voter's answers do not count").isEmpty();
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1), null),
                answer("c/1", value(1, 1, 1), null)), List.of("w"))).as("one voter answering twice is one").isEmpty();
        assertThat(RegisterReads.fromMajority(VOTERS, List.of(answer("a/1", null, null), answer("b/1", null, null))))
                .isTrue();
    }

    @Test
    void aWorkerNoVoterHoldsIsShownWithoutARecord() {
        var read = RegisterReads.newest(VOTERS, List.of(answer("a/1", null, null), answer("b/1", null, null)),
                List.of("w"));
        assertThat(read.orElseThrow()).containsEntry("w", Optional.empty());
    }
}
