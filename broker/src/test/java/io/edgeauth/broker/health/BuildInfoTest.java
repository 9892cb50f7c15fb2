package io.edgeauth.broker.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The build id: the version and the git commit the build filled in, in {@code /metrics} as {@code edgeauth_build_info};
 * every build said "edgeauth 0.1.0" alike before (tour U, U10).
 */
class BuildInfoTest {
    @Test
    void theBuildFilledInTheVersionAndTheCommit() {
        BuildInfo build = BuildInfo.current();
        assertThat(build.version()).as("the Maven version").matches("\\d+\\.\\d+\\.\\d+.*");
        if (Files.exists(Path.of("..", ".git"))) { // built from a git work tree (CI's clone too), not a source tarball
            assertThat(build.commit()).matches("[0-9a-f]{12}(-dirty)?");
        }
        assertThat(build.describe()).isEqualTo(build.version() + " (commit " + build.commit() + ")");
    }

    @Test
    void valuesLeftUnfilteredOrMissingAreUnknown() {
        Properties unfiltered = new Properties();
        unfiltered.setProperty("version", "${project.version}");
        unfiltered.setProperty("commit", "${edgeauth.commit}");
        assertThat(BuildInfo.of(unfiltered)).isEqualTo(new BuildInfo("unknown", "unknown"));
        assertThat(BuildInfo.of(new Properties())).isEqualTo(new BuildInfo("unknown", "unknown"));
    }

    @Test
    void metricsCarryTheBuildInfoGauge() {
        BuildInfo build = BuildInfo.current();
        assertThat(BrokerMeters.create().scrape()).contains("edgeauth_build_info{commit=\"" + build.commit()
                + "\",version=\"" + build.version() + "\"} 1");
    }
}
