package dev.baton.node.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The README reader picks exactly the commands a reader would copy from a section. */
class ReadmeTest {

    private static final String TEXT = """
            # Title

            ## Quick start

            ```bash
            # a comment, not a heading
            ./mvnw package && java -jar x.jar

            FOO=1 \\
              run --flag   # trailing comment stays
            ```

            ```java
            not.bash();
            ```

            ### Inner

            ```bash
            docker-compose down
            ```

            ## Next

            ```bash
            never
            ```
            """;

    @Test
    void readsTheBashBlocksOfASectionAndItsSubsections() {
        assertThat(Readme.of(TEXT).bashBlocks("Quick start")).containsExactly(
                List.of("./mvnw package && java -jar x.jar", "FOO=1 \\\n  run --flag   # trailing comment stays"),
                List.of("docker-compose down"));
        assertThat(Readme.of(TEXT).bashBlocks("Inner")).containsExactly(List.of("docker-compose down"));
    }

    @Test
    void aMissingSectionIsAnError() {
        assertThatThrownBy(() -> Readme.of(TEXT).bashBlocks("Quick Start")).hasMessageContaining("no section");
    }
}
