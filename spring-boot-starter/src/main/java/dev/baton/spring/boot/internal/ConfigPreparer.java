package dev.baton.spring.boot.internal;

import com.hazelcast.config.Config;
import dev.baton.spring.boot.BatonProperties;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Adds Baton's structures and timing to every Hazelcast {@link Config} bean of the application
 * before the member is made from it. Reads {@code baton.*} itself: a post-processor is made before
 * the beans it could be given.
 */
public final class ConfigPreparer implements BeanPostProcessor {

    private final Environment environment;

    /**
     * A preparer reading {@code baton.*} from the environment.
     *
     * @param environment the context's environment
     */
    public ConfigPreparer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof Config config) {
            MemberConfig.prepare(config, properties(environment));
        }
        return bean;
    }

    static BatonProperties properties(Environment environment) {
        return Binder.get(environment).bind("baton", BatonProperties.class).orElseGet(BatonProperties::new);
    }
}
