package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The broker's logging configuration loads without a warning: logback prints its whole status list (some 35 lines)
 * on every start when one is raised, as the deprecated {@code converterClass} attribute did.
 */
class LogbackConfigTest {
    @Test
    void theShippedConfigurationRaisesNoWarning() throws Exception {
        URL shipped = Path.of("src/main/resources/logback.xml").toUri().toURL();
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(shipped);
        StatusUtil status = new StatusUtil(context);
        assertThat(status.getHighestLevel(0))
                .as("logback status: %s", context.getStatusManager().getCopyOfStatusList())
                .isLessThan(Status.WARN);
        context.stop();
    }
}
