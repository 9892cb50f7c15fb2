package io.edgeauth.broker.store.redis;

import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach Redis, from the validated {@code store.*} config: the URI (plain, TLS or Sentinel) with
 * the credentials set apart from it, the CA file for TLS, the command timeout and the change-stream
 * bound. {@link #describe} is what logs and errors may show (hosts, never the password).
 */
public record RedisSettings(String uri, String user, String password, Path trustStore, Duration timeout,
                            int changeStreamLength) {

    /** The Lettuce URI with credentials and timeout applied. */
    RedisURI redisUri() {
        RedisURI parsed = RedisURI.create(uri);
        RedisURI.Builder b = RedisURI.builder(parsed).withTimeout(timeout).withClientName("edgeauth");
        if (password != null && !password.isEmpty()) {
            if (user != null && !user.isEmpty()) {
                b.withAuthentication(user, password);
            } else {
                b.withPassword(password.toCharArray());
            }
        }
        RedisURI built = b.build();
        // Sentinel URIs: the sentinels themselves may need the same TLS and credentials
        for (RedisURI sentinel : built.getSentinels()) {
            sentinel.setSsl(built.isSsl());
            sentinel.setTimeout(timeout);
        }
        return built;
    }

    /** The URI as it may appear in logs and messages (the config refuses credentials inside it). */
    public String describe() {
        return uri;
    }
}
