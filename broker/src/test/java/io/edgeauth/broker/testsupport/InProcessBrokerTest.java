package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.Broker;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of HTTP tests that share one in-process broker per class (default test config, free ports): the
 * broker, its base URL, an admin client and an anonymous client.
 */
public abstract class InProcessBrokerTest {
    @TempDir
    protected static Path dataDir;
    protected static Broker broker;
    protected static String base;
    protected static Http admin;
    protected static Http anonymous;

    @BeforeAll
    static void startBroker() {
        broker = Broker.start(TestBrokers.config(dataDir));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(base, null);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }
}
