package dev.baton.worker;

/** What happens to slots that nobody ran on time (the fleet was down, busy, or the previous run overran). */
public enum MisfirePolicy {
    /** Run once, as soon as possible, for all the missed slots together (the default). */
    COALESCE,
    /** Do not run the missed slots; wait for the next slot in the future. */
    SKIP
}
