package dev.baton.bench;

import java.util.List;

/**
 * Where a system stops: coarse steps until one fails, then finer ones between the last passing
 * and the first failing step (the geometric middle, as the precision is a ratio) until they are
 * less than {@link #PRECISION} apart. If even the first coarse step fails, it halves down to
 * {@link #FEWEST_WORKERS} to find a passing one first.
 */
final class LimitSearch {

    /** How far apart the last passing and the first failing step may be at the end: 10%. */
    static final double PRECISION = 1.10;
    /** Below this many workers the search stops looking for a passing step. */
    static final int FEWEST_WORKERS = 10;

    /** Runs one step: whether the system sustained that many workers. */
    interface Trial {
        boolean passes(int workers) throws Exception;
    }

    /**
     * The highest passing and the lowest failing worker count tried; 0 where none passed or none
     * failed.
     */
    record Bracket(int passed, int failed) {
    }

    private LimitSearch() {
    }

    static Bracket search(List<Integer> coarse, boolean fine, Trial trial) throws Exception {
        int passed = 0;
        int failed = 0;
        for (int workers : coarse) {
            if (!trial.passes(workers)) {
                failed = workers;
                break;
            }
            passed = workers;
        }
        if (!fine || failed == 0) {
            return new Bracket(passed, failed);
        }
        while (passed == 0 && failed > FEWEST_WORKERS) {
            int workers = Math.max(FEWEST_WORKERS, failed / 2);
            if (trial.passes(workers)) {
                passed = workers;
            } else {
                failed = workers;
            }
        }
        while (passed > 0) {
            int workers = between(passed, failed);
            if (workers <= passed) {
                break;
            }
            if (trial.passes(workers)) {
                passed = workers;
            } else {
                failed = workers;
            }
        }
        return new Bracket(passed, failed);
    }

    /**
     * The next worker count to try between a passing and a failing one, or {@code passed} when they
     * are already within {@link #PRECISION}: the geometric middle, rounded to a tenth of the gap at
     * most so that the counts stay readable.
     */
    static int between(int passed, int failed) {
        if (failed <= passed * PRECISION) {
            return passed;
        }
        double middle = Math.sqrt((double) passed * failed);
        int unit = (int) Math.max(1, Math.pow(10, Math.floor(Math.log10((failed - passed) / 10.0))));
        int workers = (int) (Math.round(middle / unit) * unit);
        return Math.max(passed + 1, Math.min(failed - 1, workers));
    }
}
