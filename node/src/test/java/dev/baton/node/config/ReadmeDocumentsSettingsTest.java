package dev.baton.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the user's reference: it must list every setting the node reads. */
class ReadmeDocumentsSettingsTest {

    @Test
    void everySettingHasARowInTheReadme() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));

        assertThat(NodeSettings.ALL).allSatisfy(s ->
                assertThat(readme).as(s.name()).contains("| `" + s.name() + "` |"));
    }
}
