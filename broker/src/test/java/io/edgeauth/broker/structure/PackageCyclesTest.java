package io.edgeauth.broker.structure;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

/**
 * No package of the broker's main sources depends on itself through others: a cycle means two
 * packages can only be understood, tested and changed together (the refusal type living in
 * {@code token} while {@code keys} and {@code token} used each other was one).
 */
class PackageCyclesTest {
    @Test
    void noCycleAmongTheBrokersTopLevelPackages() {
        slices().matching("io.edgeauth.broker.(*)..").should().beFreeOfCycles().check(MainClasses.get());
    }

    @Test
    void noCycleAmongAnyOfTheBrokersPackages() {
        slices().matching("io.edgeauth.broker.(**)").should().beFreeOfCycles().check(MainClasses.get());
    }
}
