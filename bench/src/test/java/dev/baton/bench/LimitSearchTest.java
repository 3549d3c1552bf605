package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimitSearchTest {

    private static final List<Integer> COARSE = List.of(100, 500, 1000, 2000, 4000, 6000, 8000, 12000);

    @Test
    void bracketsEveryLimitWithinTenPercentInAFewFineSteps() throws Exception {
        for (int limit = 10; limit < 12000; limit += 37) {
            int sustained = limit;
            List<Integer> tried = new ArrayList<>();
            LimitSearch.Bracket b = LimitSearch.search(COARSE, true, w -> {
                tried.add(w);
                return w <= sustained;
            });

            assertThat(b.passed()).as("limit %d", limit).isLessThanOrEqualTo(limit).isPositive();
            assertThat(b.failed()).as("limit %d", limit).isGreaterThan(limit);
            assertThat((double) b.failed() / b.passed()).as("limit %d within 10%%", limit).isLessThanOrEqualTo(1.10);
            assertThat(tried).as("limit %d", limit).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(COARSE.size() + 8);
        }
    }

    @Test
    void aSystemThatFailsTheFirstStepIsSearchedBelowIt() throws Exception {
        LimitSearch.Bracket b = LimitSearch.search(COARSE, true, w -> w <= 42);

        assertThat(b.passed()).isBetween(39, 42);
        assertThat(b.failed()).isGreaterThan(42).isLessThanOrEqualTo((int) (b.passed() * 1.10));
    }

    @Test
    void aSystemThatPassesEveryStepHasNoFailingStep() throws Exception {
        assertThat(LimitSearch.search(COARSE, true, w -> true)).isEqualTo(new LimitSearch.Bracket(12000, 0));
    }

    @Test
    void withoutFineStepsOnlyTheCoarseStepsRun() throws Exception {
        List<Integer> tried = new ArrayList<>();
        LimitSearch.Bracket b = LimitSearch.search(COARSE, false, w -> {
            tried.add(w);
            return w <= 2500;
        });

        assertThat(b).isEqualTo(new LimitSearch.Bracket(2000, 4000));
        assertThat(tried).containsExactly(100, 500, 1000, 2000, 4000);
    }

    @Test
    void fineStepsAreRoundToATenthOfTheGap() {
        assertThat(LimitSearch.between(2000, 4000)).isEqualTo(2800);
        assertThat(LimitSearch.between(100, 500)).isEqualTo(220);
        assertThat(LimitSearch.between(2000, 2200)).isEqualTo(2000);
    }
}
