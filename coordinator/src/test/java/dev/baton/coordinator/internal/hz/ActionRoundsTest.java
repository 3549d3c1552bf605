package dev.baton.coordinator.internal.hz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.internal.ClaimRules;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The twenty-first review's open finding: a pause whose write was started and given up may still be chosen;
 * if a resume followed it, the pause asked again found the resume's token above its own, went above it and
 * undid the resume. Now it says it cannot tell, as the map's path does for a lost answer.
 */
class ActionRoundsTest {

    private final ActionRounds rounds = new ActionRounds("w", ClaimRules.Flag.PAUSE);

    private static CompletableFuture<Long> answer(long v) {
        return CompletableFuture.completedFuture(v);
    }

    @Test
    void aTokenToGoAboveAfterACopyThatMayHaveHeldIsNotActedOn() {
        rounds.declined(List.of(answer(RegisterRecords.MAYBE), answer(RegisterRecords.NOT_MINE)));
        assertThatThrownBy(() -> rounds.settle(42)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not tell whether pause of worker 'w' took effect");
        assertThat(rounds.settle(0)).as("its own copy found again: done").isZero();
    }

    @Test
    void aMemberThatFailedMidCallMayHaveWrittenIt() {
        rounds.declined(List.of(CompletableFuture.failedFuture(new IllegalStateException("member left")),
                answer(RegisterRecords.NOT_MINE)));
        assertThatThrownBy(() -> rounds.settle(42)).hasMessageContaining("could not tell");
        assertThat(rounds.timedOut()).hasMessageContaining("could not pause worker 'w': member left");
    }

    @Test
    void thisNodesOwnGivenUpWriteCountsToo() {
        rounds.declinedHere(RegisterRecords.MAYBE);
        assertThatThrownBy(() -> rounds.settle(42)).hasMessageContaining("could not tell");
    }

    @Test
    void aTokenToGoAboveWithNoCopyWrittenIsGoneAbove() {
        rounds.declined(List.of(answer(RegisterRecords.BUSY), answer(RegisterRecords.NOT_MINE)));
        rounds.declinedHere(RegisterRecords.NOT_MINE);
        assertThat(rounds.settle(42)).isEqualTo(42);
    }

    @Test
    void thisNodeTakesTheLockAfterTwoRoundsWithNobodyWriting() {
        List<CompletableFuture<Long>> nobody = List.of(answer(RegisterRecords.NOT_MINE), answer(RegisterRecords.NOT_MINE));
        assertThat(rounds.declined(nobody)).isFalse();
        assertThat(rounds.declined(List.of(answer(RegisterRecords.BUSY)))).as("a run elsewhere holds it").isFalse();
        assertThat(rounds.declined(nobody)).isFalse();
        assertThat(rounds.declined(nobody)).isTrue();
        assertThat(rounds.timedOut()).hasMessageContaining("the cluster did not confirm the change in time");
    }

    // The twenty-second review: a maybe or a failure in the round whose other answer names a token to go above.

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aMaybeInTheRoundThatNamesATokenToGoAboveIsNotActedOn() {
        List<CompletableFuture<Long>> round = List.of(answer(RegisterRecords.MAYBE), answer(42),
                answer(RegisterRecords.NOT_MINE));
        assertThatThrownBy(() -> rounds.written(round, System.nanoTime() + SECOND))
                .hasMessageContaining("could not tell");
    }

    @Test
    void aMaybeArrivingAfterTheTokenIsWaitedFor() {
        CompletableFuture<Long> late = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> late.complete(RegisterRecords.MAYBE));
        assertThatThrownBy(() -> rounds.written(List.of(late, answer(42)), System.nanoTime() + SECOND))
                .hasMessageContaining("could not tell");
    }

    @Test
    void aMemberFailingOrSilentInTheRoundThatNamesATokenIsNotActedOn() {
        assertThatThrownBy(() -> rounds.written(List.of(CompletableFuture.failedFuture(new IllegalStateException("left")),
                answer(42)), System.nanoTime() + SECOND)).hasMessageContaining("could not tell");
        ActionRounds again = new ActionRounds("w", ClaimRules.Flag.PAUSE);
        assertThatThrownBy(() -> again.written(List.of(new CompletableFuture<>(), answer(42)),
                System.nanoTime() + SECOND / 5)).as("no answer by the deadline").hasMessageContaining("could not tell");
    }

    @Test
    void aWrittenActionIsDoneAtOnceAndARoundWithoutOneIsNothing() {
        CompletableFuture<Long> never = new CompletableFuture<>();
        assertThat(rounds.written(List.of(never, answer(0)), System.nanoTime() + SECOND)).isZero();
        assertThat(rounds.written(List.of(answer(RegisterRecords.NOT_MINE), answer(RegisterRecords.BUSY)),
                System.nanoTime() + SECOND)).isNull();
        assertThat(rounds.written(List.of(answer(RegisterRecords.NOT_MINE), answer(42)), System.nanoTime() + SECOND))
                .as("every other node declined: nothing of it was written").isEqualTo(42);
    }

    /**
     * The twenty-third review: X wrote the action (its answer held by its riders and the release) and a later
     * action followed; Y's task ran late and found that one's token above. Going above it would undo it.
     */
    @Test
    void aWrittenAnswerLaterInTheRoundIsNotOverriddenByATokenToGoAbove() {
        CompletableFuture<Long> x = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> x.complete(0L));
        assertThat(rounds.written(List.of(x, answer(77)), System.nanoTime() + 2 * SECOND)).isZero();
    }
}
