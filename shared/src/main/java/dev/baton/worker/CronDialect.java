package dev.baton.worker;

/**
 * Which cron syntax an expression is written in. Baton never guesses: six fields mean different
 * days in Quartz and Spring ({@code 0 0 9 ? * 1-5} is Sunday to Thursday in Quartz, Monday to
 * Friday in Spring), so a dialect other than Unix is named by the caller.
 */
public enum CronDialect {
    /** Five fields: {@code minute hour day-of-month month day-of-week}, e.g. {@code *}{@code /10 * * * *}; Sunday is 0 or 7. */
    UNIX,
    /**
     * Quartz: {@code second minute hour day-of-month month day-of-week [year]}, e.g.
     * {@code 0 0/10 * * * ?}; day-of-week 1 is Sunday, and one of the two day fields must be {@code ?}.
     */
    QUARTZ,
    /**
     * Spring's {@code @Scheduled} (5.3 and later): {@code second minute hour day-of-month month day-of-week},
     * e.g. {@code 0 *}{@code /10 * * * *}; day-of-week 1 is Monday, 0 and 7 are Sunday.
     */
    SPRING
}
