package io.edgeauth.broker.testsupport;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * {@code ${PID}} in {@code logback-test.xml}: each JVM that runs with the test class path (the surefire fork and
 * every broker process a test starts) writes its own file under {@code target/test-logs/}, which
 * {@code SecretsInLogsTest} scans after the suite.
 */
public final class PidDefiner extends PropertyDefinerBase {
    @Override
    public String getPropertyValue() {
        return Long.toString(ProcessHandle.current().pid());
    }
}
