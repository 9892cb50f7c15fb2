package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommonPoolTest {
    @Test
    void mainGivesTheCommonPoolTwoThreadsUnlessTheCommandLineChoseSome() {
        String before = System.getProperty(SimulatorCli.COMMON_POOL_PARALLELISM);
        try {
            System.clearProperty(SimulatorCli.COMMON_POOL_PARALLELISM);
            SimulatorCli.configureCommonPool();
            // parallelism 1 (fewer than 3 cores) would make CompletableFuture start a thread per async step
            assertThat(System.getProperty(SimulatorCli.COMMON_POOL_PARALLELISM)).isEqualTo("2");
            System.setProperty(SimulatorCli.COMMON_POOL_PARALLELISM, "6");
            SimulatorCli.configureCommonPool();
            assertThat(System.getProperty(SimulatorCli.COMMON_POOL_PARALLELISM)).isEqualTo("6");
        } finally {
            if (before == null) {
                System.clearProperty(SimulatorCli.COMMON_POOL_PARALLELISM);
            } else {
                System.setProperty(SimulatorCli.COMMON_POOL_PARALLELISM, before);
            }
        }
    }
}
