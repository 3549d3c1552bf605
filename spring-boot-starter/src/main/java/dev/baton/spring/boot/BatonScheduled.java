package dev.baton.spring.boot;

import dev.baton.worker.CronDialect;
import dev.baton.worker.CrashPolicy;
import dev.baton.worker.MisfirePolicy;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a bean method as a Baton periodic worker: once per slot across the cluster, in the spirit of
 * Spring's {@code @Scheduled}. Give exactly one of {@link #fixedRate()}, {@link #fixedDelay()} and
 * {@link #cron()}. The method takes no argument or one {@link dev.baton.worker.WorkerContext}.
 *
 * <pre>{@code
 * @Component
 * class Reports {
 *     @BatonScheduled(cron = "0 6 * * *", zone = "Europe/Berlin")
 *     void nightly(WorkerContext context) { ... }
 * }
 * }</pre>
 *
 * Durations are written {@code 10s}, {@code 5m}, {@code PT10S} or in milliseconds; every
 * attribute may be a {@code ${placeholder}}.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface BatonScheduled {

    /**
     * The worker's name, unique in the cluster.
     *
     * @return the name; empty for {@code SimpleClassName.methodName}
     */
    String name() default "";

    /**
     * Slots at every multiple of this period since the epoch, the same on every node.
     *
     * @return a duration, e.g. {@code 10s}
     */
    String fixedRate() default "";

    /**
     * The next run is due this long after the previous one completed.
     *
     * @return a duration, e.g. {@code 10m}
     */
    String fixedDelay() default "";

    /**
     * A cron expression in {@link #cronDialect()}, evaluated in {@link #zone()}.
     *
     * @return the expression; Unix (five fields) unless another dialect is named
     */
    String cron() default "";

    /**
     * The cron dialect; never guessed from the number of fields.
     *
     * @return {@link CronDialect#UNIX} by default; name {@code SPRING} for Spring's six-field form
     */
    CronDialect cronDialect() default CronDialect.UNIX;

    /**
     * The time zone of {@link #cron()}.
     *
     * @return a zone id such as {@code Europe/Berlin}
     */
    String zone() default "UTC";

    /**
     * An execution running longer is interrupted.
     *
     * @return a duration; empty for no timeout
     */
    String timeout() default "";

    /**
     * The first slot is at least this long after the worker is added.
     *
     * @return a duration; empty for none
     */
    String initialDelay() default "";

    /**
     * What happens to slots nobody ran on time.
     *
     * @return coalesce them into one run (default) or skip them
     */
    MisfirePolicy misfire() default MisfirePolicy.COALESCE;

    /**
     * What happens to a slot whose executor died mid-run.
     *
     * @return re-run it elsewhere (default) or skip it
     */
    CrashPolicy onCrash() default CrashPolicy.RERUN;
}
