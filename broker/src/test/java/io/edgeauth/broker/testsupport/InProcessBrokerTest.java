package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.Broker;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of HTTP tests that share one in-process broker per class (default test config, free ports): the
 * broker, its base URL, an admin client and an anonymous client; {@link Config} on the class overrides settings.
 */
public abstract class InProcessBrokerTest {
    @TempDir
    protected static Path dataDir;
    protected static Broker broker;
    protected static String base;
    protected static Http admin;
    protected static Http anonymous;

    /** Config overrides for the class's broker: environment-style {@code KEY=value} entries. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Config {
        String[] value();
    }

    @BeforeAll
    static void startBroker(TestInfo test) {
        Map<String, String> overrides = new HashMap<>();
        test.getTestClass().map(c -> c.getAnnotation(Config.class)).ifPresent(config -> {
            for (String entry : config.value()) {
                overrides.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
            }
        });
        broker = Broker.start(TestBrokers.config(dataDir, overrides));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(base, null);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }
}
