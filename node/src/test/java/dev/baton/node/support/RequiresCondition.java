package dev.baton.node.support;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Skips a {@link Requires} class or method whose prerequisites are missing, or fails it when they are required. */
final class RequiresCondition implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback {

    /** The system property (or environment variable BATON_TESTS_REQUIRE) that turns a skip into a failure. */
    static final String REQUIRE = "baton.tests.require";

    private static final Logger log = LoggerFactory.getLogger(RequiresCondition.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> missing = missing(context);
        if (missing.isEmpty() || required()) {
            // When required, BeforeAllCallback fails the class with the same message.
            return ConditionEvaluationResult.enabled("prerequisites present or required");
        }
        if (context.getTestMethod().isEmpty()) {
            log.warn("SKIPPED {}: {}", context.getRequiredTestClass().getSimpleName(), missing.get());
        } else if (context.getRequiredTestMethod().isAnnotationPresent(Requires.class)) {
            log.warn("SKIPPED {}.{}: {}", context.getRequiredTestClass().getSimpleName(),
                    context.getRequiredTestMethod().getName(), missing.get());
        }
        return ConditionEvaluationResult.disabled(missing.get());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        missing(context).ifPresent(RequiresCondition::fail);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        missing(context).ifPresent(RequiresCondition::fail);
    }

    private static void fail(String missing) {
        throw new AssertionError(missing + " (" + REQUIRE + "=all, as .ci/run sets it, turns this skip into a failure)");
    }

    private static Optional<String> missing(ExtensionContext context) {
        List<Prerequisite> needed = new java.util.ArrayList<>(context.getTestClass()
                .flatMap(c -> AnnotationSupport.findAnnotation(c, Requires.class))
                .map(r -> Arrays.asList(r.value())).orElse(List.of()));
        context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, Requires.class))
                .ifPresent(r -> needed.addAll(Arrays.asList(r.value())));
        List<String> reasons = needed.stream().map(Prerequisite::missing).flatMap(Optional::stream).toList();
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
    }

    private static boolean required() {
        String value = System.getProperty(REQUIRE, System.getenv().getOrDefault("BATON_TESTS_REQUIRE", ""));
        return value.trim().toLowerCase(Locale.ROOT).equals("all");
    }
}
