package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServiceContainerTest {

    private final List<String> closed = new ArrayList<>();

    record Connection(List<String> closed) implements AutoCloseable {
        @Override
        public void close() {
            closed.add("connection");
        }
    }

    record Repository(Connection connection, List<String> closed) implements AutoCloseable {
        @Override
        public void close() {
            closed.add("repository");
        }
    }

    @Test
    void scopedServicesAreCreatedLazilyOncePerScopeAndClosedInReverseOrder() {
        AtomicInteger connections = new AtomicInteger();
        ServiceContainer container = ServiceContainer.builder()
                .scoped(Connection.class, scope -> {
                    connections.incrementAndGet();
                    return new Connection(closed);
                })
                .scoped(Repository.class, scope -> new Repository(scope.get(Connection.class), closed))
                .build();

        try (ServiceScope scope = container.openScope()) {
            assertThat(connections).as("lazy").hasValue(0);
            Repository first = scope.get(Repository.class);
            assertThat(scope.get(Repository.class)).isSameAs(first);
            assertThat(scope.get(Connection.class)).isSameAs(first.connection());
        }

        assertThat(closed).containsExactly("repository", "connection");
        try (ServiceScope second = container.openScope()) {
            second.get(Connection.class);
        }
        assertThat(connections).as("one per scope").hasValue(2);
    }

    @Test
    void singletonsAreSharedAcrossScopesAndClosedWithTheContainer() {
        ServiceContainer container = ServiceContainer.builder()
                .lazySingleton(Connection.class, () -> new Connection(closed))
                .build();

        Connection a;
        try (ServiceScope scope = container.openScope()) {
            a = scope.get(Connection.class);
        }
        try (ServiceScope scope = container.openScope()) {
            assertThat(scope.get(Connection.class)).isSameAs(a);
        }
        assertThat(closed).isEmpty();
        assertThat(container.findRoot(Connection.class)).containsSame(a);

        container.close();
        assertThat(closed).containsExactly("connection");
    }

    @Test
    void aClosedScopeRefusesLookups() {
        ServiceScope scope = ServiceContainer.builder().singleton(String.class, "x").build().openScope();
        scope.close();
        scope.close();

        assertThatThrownBy(() -> scope.get(String.class)).hasMessageContaining("scope is closed");
    }

    @Test
    void unknownTypesNameTheTypeAndHowToRegisterIt() {
        ServiceScope scope = ServiceContainer.builder().build().openScope();

        assertThatThrownBy(() -> scope.get(Repository.class))
                .hasMessageContaining(Repository.class.getName())
                .hasMessageContaining("ServiceContainer.builder()");
        assertThat(scope.find(Repository.class)).isEmpty();
    }

    @Test
    void aTypeIsRegisteredOnceAndCyclesAreReported() {
        assertThatThrownBy(() -> ServiceContainer.builder().singleton(String.class, "a").scoped(String.class, s -> "b"))
                .hasMessageContaining("java.lang.String is already registered");

        ServiceContainer cyclic = ServiceContainer.builder()
                .scoped(Connection.class, scope -> {
                    scope.get(Repository.class);
                    return new Connection(closed);
                })
                .scoped(Repository.class, scope -> new Repository(scope.get(Connection.class), closed))
                .build();
        try (ServiceScope scope = cyclic.openScope()) {
            assertThatThrownBy(() -> scope.get(Connection.class)).hasMessageContaining("dependency cycle");
        }
    }

    @Test
    void aFailingCloseDoesNotStopTheOthersFromClosing() {
        ServiceContainer container = ServiceContainer.builder()
                .scoped(Connection.class, scope -> new Connection(closed))
                .scoped(AutoCloseable.class, scope -> () -> {
                    throw new IllegalStateException("boom");
                })
                .build();
        try (ServiceScope scope = container.openScope()) {
            scope.get(Connection.class);
            scope.get(AutoCloseable.class);
        }

        assertThat(closed).containsExactly("connection");
    }

    /** A slow singleton (a pool opening connections, say) does not hold up another one being made. */
    @Test
    void twoSingletonsAreMadeSideBySide() throws Exception {
        java.util.concurrent.CountDownLatch bStarted = new java.util.concurrent.CountDownLatch(1);
        ServiceContainer container = ServiceContainer.builder()
                .lazySingleton(Connection.class, () -> {
                    await(bStarted);
                    return new Connection(closed);
                })
                .lazySingleton(StringBuilder.class, () -> {
                    bStarted.countDown();
                    return new StringBuilder();
                })
                .build();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var a = threads.submit(() -> container.findRoot(Connection.class).orElseThrow());
            Thread.sleep(50);
            var b = threads.submit(() -> container.findRoot(StringBuilder.class).orElseThrow());

            assertThat(b.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            assertThat(a.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        }
    }

    /** Two threads making singletons that need each other get an error, not a deadlock. */
    @Test
    void aDependencyCycleAcrossThreadsIsReportedNotADeadlock() throws Exception {
        java.util.concurrent.CyclicBarrier bothStarted = new java.util.concurrent.CyclicBarrier(2);
        ServiceContainer[] holder = new ServiceContainer[1];
        holder[0] = ServiceContainer.builder()
                .lazySingleton(Connection.class, () -> {
                    await(bothStarted);
                    holder[0].findRoot(StringBuilder.class);
                    return new Connection(closed);
                })
                .lazySingleton(StringBuilder.class, () -> {
                    await(bothStarted);
                    holder[0].findRoot(Connection.class);
                    return new StringBuilder();
                })
                .build();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var a = threads.submit(() -> holder[0].findRoot(Connection.class));
            var b = threads.submit(() -> holder[0].findRoot(StringBuilder.class));
            List<String> errors = new ArrayList<>();
            for (var f : List.of(a, b)) {
                try {
                    f.get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    errors.add(e.getCause().getMessage());
                }
            }
            assertThat(errors).isNotEmpty().allSatisfy(m -> assertThat(m).contains("dependency cycle"));
        }
    }

    private static void await(Object latchOrBarrier) {
        try {
            if (latchOrBarrier instanceof java.util.concurrent.CountDownLatch l) {
                if (!l.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other singleton never started");
                }
            } else {
                ((java.util.concurrent.CyclicBarrier) latchOrBarrier).await(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
