package dev.baton.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsApplyWhenNothingIsSet() {
        Config config = Config.load(Map.of(), NodeSettings.ALL);

        assertThat(config.get(NodeSettings.PASSIVE_USERS_PERIOD)).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.get(NodeSettings.PASSIVE_AFTER)).isEqualTo(Duration.ofDays(30));
        assertThat(config.find(NodeSettings.NODE_ID)).isEmpty();
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertThat(Parsers.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Parsers.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Parsers.duration("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void aMalformedValueStopsTheLoadWithTheSettingTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> Config.load(Map.of("BATON_PASSIVE_USERS_PERIOD", "ten"), NodeSettings.ALL))
                .isInstanceOf(ConfigException.class)
                .hasMessage("BATON_PASSIVE_USERS_PERIOD has the value 'ten', expected a duration such as 500ms, 10s,"
                        + " 5m, 1h, 30d or PT10S");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_PASSIVE_USERS_PERIOD", "0s"), NodeSettings.ALL))
                .hasMessageContaining("expected a duration greater than zero");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_CLAIM_AHEAD", "2s"), NodeSettings.ALL))
                .hasMessage("BATON_CLAIM_AHEAD has the value '2s', expected a duration from 0 to 1s, such as 100ms");
        assertThat(Config.load(Map.of("BATON_CLAIM_AHEAD", "0ms"), NodeSettings.ALL).get(NodeSettings.CLAIM_AHEAD))
                .isZero();
        assertThatThrownBy(() -> Config.load(Map.of("BATON_NODE_ID", "my node"), NodeSettings.ALL))
                .hasMessageContaining("BATON_NODE_ID has the value 'my node', expected 1 to 63 letters");
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        assertThatThrownBy(() -> Config.load(Map.of("BATON_DEMO_USERS", "-1", "BATON_LOG_LEVEL", "loud"),
                NodeSettings.ALL))
                .hasMessageContaining("2 settings are invalid")
                .hasMessageContaining("BATON_DEMO_USERS has the value '-1', expected a whole number from 0 to 10000000")
                .hasMessageContaining("BATON_LOG_LEVEL has the value 'loud', expected one of trace, debug, info");
    }

    @Test
    void theEnvironmentWinsOverTheFileAndUnknownFileKeysAreRefused() throws IOException {
        Path file = dir.resolve("baton.properties");
        Files.writeString(file, "BATON_PASSIVE_USERS_PERIOD=1m\nBATON_DEMO_USERS=5\n");

        Config config = Config.load(Map.of("BATON_CONFIG_FILE", file.toString(), "BATON_DEMO_USERS", "7"),
                NodeSettings.ALL);

        assertThat(config.get(NodeSettings.PASSIVE_USERS_PERIOD)).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.get(NodeSettings.DEMO_USERS)).isEqualTo(7);
        assertThat(config.describe()).contains("BATON_PASSIVE_USERS_PERIOD=1m (" + file + ")",
                "BATON_DEMO_USERS=7 (environment)", "BATON_PASSIVE_AFTER=30d (default)");

        Files.writeString(file, "BATON_PASIVE_AFTER=1d\n");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_CONFIG_FILE", file.toString()), NodeSettings.ALL))
                .hasMessageContaining("sets BATON_PASIVE_AFTER, which is not a Baton setting");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_CONFIG_FILE", dir.resolve("missing").toString()),
                NodeSettings.ALL)).hasMessageContaining("cannot be read");
    }

    @Test
    void unknownEnvironmentVariablesAreWarnedAboutNotFatal() {
        Config config = Config.load(Map.of("BATON_PASIVE_AFTER", "1d", "PATH", "/bin"), NodeSettings.ALL);

        assertThat(config.warnings()).containsExactly(
                "Ignoring the environment variable BATON_PASIVE_AFTER: it is not a Baton setting");
    }

    @Test
    void clusterSettingsAreCheckedAtLoad() {
        assertThatThrownBy(() -> Config.load(Map.of("BATON_MEMBERS", "10.0.0.5:5701,:80"), NodeSettings.ALL))
                .hasMessageContaining("BATON_MEMBERS has the value '10.0.0.5:5701,:80', expected comma separated"
                        + " host[:port] entries");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_MEMBERS", "a:99999"), NodeSettings.ALL))
                .hasMessageContaining("ports from 1 to 65535 ('a:99999' is not one)");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_LEASE", "100ms"), NodeSettings.ALL))
                .hasMessageContaining("BATON_LEASE has the value '100ms', expected a duration of at least 500ms");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_MIN_CLUSTER_SIZE", "0"), NodeSettings.ALL))
                .hasMessageContaining("expected a whole number from 1 to 1000");
        assertThatThrownBy(() -> Config.load(Map.of("BATON_DRILL_WORK", "200-100ms"), NodeSettings.ALL))
                .hasMessageContaining("expected a duration or a range such as 0-200ms");

        Config ok = Config.load(Map.of("BATON_MEMBERS", " 10.0.0.5:5701 , node-b ", "BATON_DRILL_WORK", "0-200ms"),
                NodeSettings.ALL);
        assertThat(ok.get(NodeSettings.MEMBERS)).containsExactly("10.0.0.5:5701", "node-b");
        assertThat(ok.get(NodeSettings.DRILL_WORK)).isEqualTo(new WorkRange(Duration.ZERO, Duration.ofMillis(200)));
    }

    @Test
    void twoDiscoveriesAtOnceAreRefused() {
        Config both = Config.load(Map.of("BATON_MEMBERS", "10.0.0.5", "BATON_K8S_SERVICE_DNS", "baton-hs"),
                NodeSettings.ALL);

        assertThatThrownBy(() -> dev.baton.node.cluster.HazelcastSetup.build(both, "n1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BATON_MEMBERS and BATON_K8S_SERVICE_DNS are both set");
    }

    @Test
    void secretsAreMaskedWhenPrinted() {
        Setting<String> token = Setting.secret("BATON_TEST_TOKEN", "a secret", v -> v);

        Config config = Config.load(Map.of("BATON_TEST_TOKEN", "hunter2"), List.of(token));

        assertThat(config.describe()).containsExactly("BATON_TEST_TOKEN=**** (environment)");
        assertThat(config.get(token)).isEqualTo("hunter2");
    }
}
