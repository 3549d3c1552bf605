package dev.baton.example.passiveusers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.baton.worker.BackgroundWorkerManager;
import dev.baton.worker.ServiceContainer;
import dev.baton.worker.WorkerInfo;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Runs what the README's embedding section shows, taken from README.md itself, so that a change to
 * the API that the README does not follow fails here. Only the network differs (loopback ports).
 */
class ReadmeEmbeddingTest {

    private static final Path README = Path.of("../../README.md");

    @TempDir
    Path dir;

    @Test
    void theSpringBootSnippetRunsInAFreshApplicationOncePerSlotOnTwoReplicas() throws Exception {
        Path src = dir.resolve("src");
        write(src, "readme/PassiveUserChecker.java", "package readme;\n\n" + snippet("spring-worker"));
        write(src, "readme/ReadmeApplication.java", """
                package readme;

                import org.springframework.boot.autoconfigure.SpringBootApplication;

                @SpringBootApplication
                public class ReadmeApplication {
                }
                """);
        ClassLoader loader = compile(src);
        Properties readme = new Properties();
        readme.load(new StringReader(snippet("spring-properties")));
        assertThat(readme).containsKeys("baton.members", "baton.min-cluster-size");

        String cluster = "readme-" + UUID.randomUUID().toString().substring(0, 8);
        List<ConfigurableApplicationContext> replicas = new ArrayList<>();
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            for (int i = 0; i < 2; i++) {
                java.util.Map<String, String> properties = new java.util.TreeMap<>();
                readme.forEach((k, v) -> properties.put((String) k, (String) v));
                // What a machine changes: where the replicas are and the test's database. The rest is the README's.
                properties.putAll(java.util.Map.of("baton.members", "127.0.0.1:17301,127.0.0.1:17302",
                        "baton.bind", "127.0.0.1", "baton.port", Integer.toString(17301 + i), "baton.node-id", "r" + i,
                        "baton.cluster-name", cluster,
                        "spring.datasource.url", "jdbc:h2:mem:" + cluster + ";DB_CLOSE_DELAY=-1",
                        "spring.sql.init.schema-locations", "classpath:readme-schema.sql",
                        "spring.main.banner-mode", "off",
                        // A fresh project: none of the example's own application.properties.
                        "spring.config.location", "optional:classpath:/no-such-dir/"));
                List<String> args = new ArrayList<>();
                properties.forEach((k, v) -> args.add("--" + k + "=" + v));
                replicas.add(new SpringApplicationBuilder(loader.loadClass("readme.ReadmeApplication"))
                        .resourceLoader(new DefaultResourceLoader(loader))
                        .web(WebApplicationType.NONE)
                        .run(args.toArray(String[]::new)));
            }
            JdbcTemplate db = replicas.getFirst().getBean(JdbcTemplate.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> "PASSIVE".equals(
                    db.queryForObject("SELECT status FROM users WHERE id = 1", String.class)));
            assertThat(db.queryForObject("SELECT status FROM users WHERE id = 2", String.class)).isEqualTo("ACTIVE");
            Thread.sleep(1000);
            long executions = replicas.stream().map(c -> c.getBean(BackgroundWorkerManager.class))
                    .flatMap(m -> m.list().stream()).filter(w -> w.name().equals("passive-user-checker"))
                    .mapToLong(WorkerInfo::executions).sum();
            assertThat(executions).as("one slot of a 10-minute fixed delay, once across both replicas").isEqualTo(1);
        } finally {
            replicas.forEach(ConfigurableApplicationContext::close);
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Test
    void thePlainJavaSnippetRunsOnTwoMembers() throws Exception {
        Path src = dir.resolve("src");
        write(src, "readme/PassiveUserCheckerWorker.java", """
                package readme;

                import dev.baton.worker.PeriodicBackgroundWorker;
                import dev.baton.worker.Schedule;
                import dev.baton.worker.WorkerContext;
                import java.time.Duration;
                import java.time.Instant;
                import java.util.List;
                import java.util.concurrent.CopyOnWriteArrayList;

                /** Stands in for the README's worker, which needs the application's UserRepository. */
                public class PassiveUserCheckerWorker extends PeriodicBackgroundWorker {
                    public static final List<Instant> SLOTS = new CopyOnWriteArrayList<>();

                    public PassiveUserCheckerWorker() {
                        super(Schedule.fixedRate(Duration.ofSeconds(1)));
                    }

                    @Override
                    protected void doWork(WorkerContext context) {
                        SLOTS.add(context.scheduledAt());
                    }
                }
                """);
        write(src, "readme/PlainJava.java", """
                package readme;

                import com.hazelcast.config.Config;
                import com.hazelcast.config.JoinConfig;
                import com.hazelcast.core.Hazelcast;
                import com.hazelcast.core.HazelcastInstance;
                import dev.baton.coordinator.Baton;
                import dev.baton.coordinator.HazelcastCoordination;
                import dev.baton.worker.BackgroundWorkerManager;
                import dev.baton.worker.ServiceContainer;
                import java.util.List;

                public class PlainJava {
                    public static Object[] start(List<String> members, String podName, ServiceContainer services) {
                """ + snippet("plain-java").indent(8) + """
                        return new Object[] {manager, hazelcast};
                    }
                }
                """);
        ClassLoader loader = compile(src);
        Method start = loader.loadClass("readme.PlainJava").getMethod("start", List.class, String.class,
                ServiceContainer.class);
        String previous = System.getProperty("hazelcast.local.localAddress");
        System.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        List<Object[]> nodes = new ArrayList<>();
        try {
            for (String pod : List.of("pod-0", "pod-1")) {
                nodes.add((Object[]) start.invoke(null, List.of("127.0.0.1:5701", "127.0.0.1:5702"), pod,
                        ServiceContainer.builder().build()));
            }
            @SuppressWarnings("unchecked")
            List<java.time.Instant> slots = (List<java.time.Instant>) loader.loadClass("readme.PassiveUserCheckerWorker")
                    .getField("SLOTS").get(null);
            await().atMost(Duration.ofSeconds(60)).until(() -> slots.size() >= 3);
            assertThat(slots).doesNotHaveDuplicates();
        } finally {
            for (Object[] node : nodes) {
                ((BackgroundWorkerManager) node[0]).close();
                ((HazelcastInstance) node[1]).shutdown();
            }
            if (previous == null) {
                System.clearProperty("hazelcast.local.localAddress");
            } else {
                System.setProperty("hazelcast.local.localAddress", previous);
            }
        }
    }

    /** The fenced block right after {@code <!-- readme-test: name -->} in README.md. */
    static String snippet(String name) throws IOException {
        String readme = Files.readString(README);
        Matcher m = Pattern.compile("<!-- readme-test: " + Pattern.quote(name) + " -->\\s*```\\w*\\n(.*?)```",
                Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README.md has a block marked readme-test: %s", name).isTrue();
        return m.group(1);
    }

    private static void write(Path src, String file, String text) throws IOException {
        Path path = src.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }

    private ClassLoader compile(Path src) throws IOException {
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-classpath",
                System.getProperty("java.class.path"), "-proc:none"));
        try (var files = Files.walk(src)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        var errors = new java.io.ByteArrayOutputStream();
        int status = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, args.toArray(String[]::new));
        assertThat(status).as("the README's code compiles:%n%s", errors).isZero();
        return new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
    }
}
