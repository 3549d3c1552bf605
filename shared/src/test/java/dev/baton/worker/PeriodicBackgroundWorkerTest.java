package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PeriodicBackgroundWorkerTest {

    static final class PassiveUserCheckerWorker extends PeriodicBackgroundWorker {
        PassiveUserCheckerWorker() {
            super(Schedule.fixedDelay(Duration.ofMinutes(10)));
        }

        PassiveUserCheckerWorker(String name) {
            super(name, Schedule.fixedDelay(Duration.ofMinutes(10)), WorkerOptions.defaults());
        }

        @Override
        protected void doWork(WorkerContext context) {
        }
    }

    @Test
    void theNameDefaultsToTheSimpleClassName() {
        assertThat(new PassiveUserCheckerWorker().name()).isEqualTo("PassiveUserCheckerWorker");
        assertThat(new PassiveUserCheckerWorker("passive-users.eu").name()).isEqualTo("passive-users.eu");
    }

    @Test
    void blankOrUnsafeNamesAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> new PassiveUserCheckerWorker(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker name is blank");
        assertThatThrownBy(() -> new PassiveUserCheckerWorker("a/b"))
                .hasMessageContaining("worker name 'a/b' is not allowed")
                .hasMessageContaining("letters, digits");
    }

    @Test
    void optionsRefuseNegativeDurations() {
        assertThatThrownBy(() -> WorkerOptions.defaults().withTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("timeout must not be negative");
        assertThat(WorkerOptions.defaults().timeoutIfAny()).isEmpty();
        assertThat(WorkerOptions.defaults().withTimeout(Duration.ofSeconds(5)).timeoutIfAny())
                .contains(Duration.ofSeconds(5));
    }
}
