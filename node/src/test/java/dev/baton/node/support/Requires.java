package dev.baton.node.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class (or method) that needs more than a JDK. Without what it needs it is skipped, with the reason
 * and how to get it; with {@code -Dbaton.tests.require=all} (what {@code .ci/run} passes, after
 * installing everything) a missing prerequisite fails it instead, so CI never passes by skipping.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresCondition.class)
public @interface Requires {
    Prerequisite[] value();
}
