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
 * A read from a quorum (step 4): a view shows what a claim would build on, whichever member serves it,
 * so a member that missed writes (cut off, or just joined) no longer shows its own stale record; and a
 * member that hears fewer than a majority of the voters shows nothing rather than guess.
 */
class RegisterReadsTest {

    private static final Voters VOTERS = new Voters("L", 3, List.of("a/1", "b/1", "c/1"));

    private static Accepted<SlotState> value(long index, long round, long pauseToken) {
        SlotState s = SlotState.empty("w");
        return new Accepted<>(index, new Ballot(round, "s" + round),
                s.withFlags(s.flags().withPaused(pauseToken % 2 == 1, pauseToken)));
    }

    private static RegisterReads.Answer answer(String voter, Accepted<SlotState> newest) {
        Map<String, Accepted<SlotState>> held = new HashMap<>();
        if (newest != null) {
            held.put("w", newest);
        }
        return new RegisterReads.Answer(voter, "L", held);
    }

    private static long pauseToken(Optional<Map<String, Optional<SlotState>>> read) {
        return read.orElseThrow().get("w").orElseThrow().flags().pauseToken();
    }

    @Test
    void theNewestValueAmongAMajorityIsShownWhateverTheAskingMemberHolds() {
        // c missed the last two writes: on its own it would show token 1.
        var read = RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1)), answer("a/1", value(3, 2, 3)),
                answer("b/1", value(2, 2, 2))), List.of("w"));
        assertThat(pauseToken(read)).isEqualTo(3);
    }

    @Test
    void atOneIndexTheHigherBallotWins() {
        var read = RegisterReads.newest(VOTERS, List.of(answer("a/1", value(4, 5, 7)), answer("b/1", value(4, 6, 8))),
                List.of("w"));
        assertThat(pauseToken(read)).isEqualTo(8);
    }

    @Test
    void fewerThanAMajorityOfTheVotersShowNothing() {
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1))), List.of("w"))).isEmpty();
        RegisterReads.Answer otherLineage = new RegisterReads.Answer("a/1", "M", Map.of("w", value(9, 9, 9)));
        RegisterReads.Answer notAVoter = answer("d/1", value(9, 9, 9));
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1)), otherLineage, notAVoter),
                List.of("w"))).as("another lineage's and a non-voter's answers do not count").isEmpty();
        RegisterReads.Answer again = answer("c/1", value(1, 1, 1));
        assertThat(RegisterReads.newest(VOTERS, List.of(answer("c/1", value(1, 1, 1)), again), List.of("w")))
                .as("one voter answering twice is one").isEmpty();
    }

    @Test
    void aWorkerNoVoterHoldsIsShownWithoutARecord() {
        var read = RegisterReads.newest(VOTERS, List.of(answer("a/1", null), answer("b/1", null)), List.of("w"));
        assertThat(read.orElseThrow()).containsEntry("w", Optional.empty());
    }
}
