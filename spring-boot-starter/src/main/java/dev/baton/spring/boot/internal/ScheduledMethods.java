package dev.baton.spring.boot.internal;

import dev.baton.spring.boot.BatonScheduled;
import dev.baton.worker.PeriodicBackgroundWorker;
import dev.baton.worker.Schedule;
import dev.baton.worker.WorkerContext;
import dev.baton.worker.WorkerOptions;
import dev.baton.worker.Workers;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringValueResolver;

/** Finds {@link BatonScheduled} methods on beans and makes a periodic worker of each. */
public final class ScheduledMethods implements BeanPostProcessor {

    private final StringValueResolver placeholders;
    private final List<PeriodicBackgroundWorker> workers = new CopyOnWriteArrayList<>();

    /**
     * A finder that resolves {@code ${...}} in the annotations' attributes.
     *
     * @param placeholders the context's placeholder resolver
     */
    public ScheduledMethods(StringValueResolver placeholders) {
        this.placeholders = placeholders;
    }

    /**
     * The workers found so far.
     *
     * @return one worker per annotated method
     */
    public List<PeriodicBackgroundWorker> workers() {
        return List.copyOf(workers);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (ScopedProxyUtils.isScopedTarget(beanName)) {
            // An execution-scoped instance, made per execution: its proxy was looked at once already.
            return bean;
        }
        Class<?> type = AopProxyUtils.ultimateTargetClass(bean);
        Map<Method, BatonScheduled> found = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<BatonScheduled>) m ->
                        AnnotatedElementUtils.findMergedAnnotation(m, BatonScheduled.class));
        List<Method> methods = new ArrayList<>(found.keySet());
        methods.sort((a, b) -> a.getName().compareTo(b.getName()));
        for (Method method : methods) {
            workers.add(worker(bean, beanName, type, method, found.get(method)));
        }
        return bean;
    }

    private PeriodicBackgroundWorker worker(Object bean, String beanName, Class<?> type, Method method,
                                            BatonScheduled annotation) {
        String where = type.getName() + "." + method.getName() + " (bean '" + beanName + "')";
        boolean takesContext = method.getParameterCount() == 1 && method.getParameterTypes()[0] == WorkerContext.class;
        if (method.getParameterCount() > 1 || (method.getParameterCount() == 1 && !takesContext)) {
            throw new IllegalStateException("@BatonScheduled method " + where + " must take no argument or one"
                    + " WorkerContext");
        }
        String name = resolve(annotation.name());
        if (name.isEmpty()) {
            name = type.getSimpleName() + "." + method.getName();
        }
        Schedule schedule = schedule(annotation, where);
        WorkerOptions options = WorkerOptions.defaults().withMisfire(annotation.misfire())
                .withOnCrash(annotation.onCrash());
        String timeout = resolve(annotation.timeout());
        if (!timeout.isEmpty()) {
            options = options.withTimeout(duration(timeout, "timeout", where));
        }
        String initialDelay = resolve(annotation.initialDelay());
        if (!initialDelay.isEmpty()) {
            options = options.withInitialDelay(duration(initialDelay, "initialDelay", where));
        }
        Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        ReflectionUtils.makeAccessible(invocable);
        return Workers.periodic(name, schedule).options(options)
                .execute(context -> invoke(bean, invocable, takesContext ? new Object[] {context} : new Object[0]));
    }

    private static void invoke(Object bean, Method method, Object[] args) throws Exception {
        try {
            method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            // The worker's own exception, not the reflection wrapper, is what Baton logs and notifies.
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private Schedule schedule(BatonScheduled annotation, String where) {
        String rate = resolve(annotation.fixedRate());
        String delay = resolve(annotation.fixedDelay());
        String cron = resolve(annotation.cron());
        int given = (rate.isEmpty() ? 0 : 1) + (delay.isEmpty() ? 0 : 1) + (cron.isEmpty() ? 0 : 1);
        if (given != 1) {
            throw new IllegalStateException("@BatonScheduled method " + where + " must give exactly one of fixedRate,"
                    + " fixedDelay and cron, but gives " + given);
        }
        try {
            if (!rate.isEmpty()) {
                return Schedule.fixedRate(duration(rate, "fixedRate", where));
            }
            if (!delay.isEmpty()) {
                return Schedule.fixedDelay(duration(delay, "fixedDelay", where));
            }
            return Schedule.cron(cron, ZoneId.of(resolve(annotation.zone())), annotation.cronDialect());
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new IllegalStateException("@BatonScheduled method " + where + ": " + e.getMessage(), e);
        }
    }

    private static Duration duration(String text, String attribute, String where) {
        try {
            return DurationStyle.detectAndParse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@BatonScheduled method " + where + ": " + attribute + " '" + text
                    + "' is not a duration; write it as 10s, 5m, PT10S or in milliseconds", e);
        }
    }

    private String resolve(String value) {
        String resolved = placeholders.resolveStringValue(value);
        return resolved == null ? "" : resolved.trim();
    }
}
