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
}
