package dev.baton.example.passiveusers;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Application code (this example, and the starter, which is application code to the engine)
 * reaches Baton through its API only: nothing in Baton's internal packages. On the class path, as
 * Spring Boot runs, no module descriptor stops it; this does.
 */
class ApiBoundaryTest {

    private final JavaClasses application = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.baton.example");
    private final JavaClasses starter = new ClassFileImporter()
            .importPackages("dev.baton.spring.boot");

    @Test
    void applicationCodeUsesNoBatonInternals() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.baton.coordinator.internal..",
                "dev.baton.worker.internal..").check(application);
    }

    @Test
    void theStarterUsesNoEngineInternals() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.baton.coordinator.internal..",
                "dev.baton.worker.internal..").check(starter);
    }
}
