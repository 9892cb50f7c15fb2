package io.edgeauth.broker.structure;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No package of the broker's main sources depends on itself through others: a cycle means two
 * packages can only be understood, tested and changed together (the refusal type living in
 * {@code token} while {@code keys} and {@code token} used each other was one).
 */
class PackageCyclesTest {
    private static JavaClasses mainClasses;

    @BeforeAll
    static void importMainClasses() {
        mainClasses = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.edgeauth.broker");
    }

    @Test
    void noCycleAmongTheBrokersTopLevelPackages() {
        slices().matching("io.edgeauth.broker.(*)..").should().beFreeOfCycles().check(mainClasses);
    }

    @Test
    void noCycleAmongAnyOfTheBrokersPackages() {
        slices().matching("io.edgeauth.broker.(**)").should().beFreeOfCycles().check(mainClasses);
    }
}
