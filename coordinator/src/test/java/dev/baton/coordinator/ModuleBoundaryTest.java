package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.cronutils.model.CronType;
import com.hazelcast.core.HazelcastInstance;
import dev.baton.worker.Schedule;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * The API boundary as the compiler enforces it: an application module that requires Baton reaches
 * the API, and the compiler refuses it the engine's machinery and a worker's doWork.
 */
class ModuleBoundaryTest {

    private static final String MODULE = "module app { requires dev.baton.coordinator; }";

    @TempDir
    Path dir;

    @Test
    void anApplicationModuleCompilesAgainstTheApi() throws Exception {
        String diagnostics = compile("""
                package app;
                import dev.baton.coordinator.Baton;
                import dev.baton.coordinator.InMemoryCoordination;
                import dev.baton.worker.BackgroundWorkerManager;
                import dev.baton.worker.Schedule;
                import dev.baton.worker.Workers;
                import java.time.Duration;
                public class App {
                    public static BackgroundWorkerManager manager() {
                        BackgroundWorkerManager manager = Baton.manager(InMemoryCoordination.standalone()).build();
                        manager.add(Workers.periodic("tick", Schedule.fixedRate(Duration.ofSeconds(1)))
                                .execute(context -> { }));
                        return manager;
                    }
                }
                """);

        assertThat(diagnostics).isEmpty();
    }

    @Test
    void theEnginesMachineryIsNotVisibleToApplications() throws Exception {
        assertThat(compile("""
                package app;
                public class App {
                    Object engine = dev.baton.coordinator.internal.WorkerManager.class;
                }
                """)).contains("package dev.baton.coordinator.internal is not visible");
        assertThat(compile("""
                package app;
                public class App {
                    Object hazelcast = dev.baton.coordinator.internal.hz.HzCoordination.class;
                }
                """)).contains("package dev.baton.coordinator.internal.hz is not visible");
    }

    @Test
    void applicationsCannotRunASlotOutsideTheEngine() throws Exception {
        assertThat(compile("""
                package app;
                public class App {
                    void run(dev.baton.worker.PeriodicBackgroundWorker worker, dev.baton.worker.WorkerContext context)
                            throws Exception {
                        dev.baton.worker.internal.WorkerAccess.execute(worker, context);
                    }
                }
                """)).contains("package dev.baton.worker.internal is not visible");
        assertThat(compile("""
                package app;
                public class App {
                    void run(dev.baton.worker.PeriodicBackgroundWorker worker, dev.baton.worker.WorkerContext context)
                            throws Exception {
                        worker.doWork(context);
                    }
                }
                """)).contains("doWork(WorkerContext) has protected access");
    }

    /** Compiles module {@code app} with one class; returns the compiler's diagnostics. */
    private String compile(String source) throws IOException, URISyntaxException {
        Path src = Files.createDirectories(dir.resolve("src-" + System.nanoTime()));
        Files.writeString(src.resolve("module-info.java"), MODULE);
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("app/App.java"), source);
        String modulePath = Stream.of(Baton.class, Schedule.class, HazelcastInstance.class, Logger.class, CronType.class,
                        MeterRegistry.class)
                .map(ModuleBoundaryTest::location).map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        List<String> files;
        try (Stream<Path> walk = Files.walk(src)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        List<String> args = new java.util.ArrayList<>(List.of("-d", dir.resolve("out-" + System.nanoTime()).toString(),
                "--module-path", modulePath, "-Xlint:-requires-automatic"));
        args.addAll(files);
        javac.run(null, out, out, args.toArray(String[]::new));
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
