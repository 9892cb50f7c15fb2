package io.edgeauth.broker.store.redis;

import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach Redis, from the validated {@code store.*} config: the URI (plain, TLS or Sentinel) with
 * the credentials set apart from it, the CA file for TLS, the command timeout and the change-stream
 * bound, and the replicas each guarded write waits for ({@code WAIT}, see {@link Replication}). {@link #describe} is what logs and errors may show (hosts, never the password).
 */
public record RedisSettings(String uri, String user, String password, Path trustStore, Duration timeout,
                            int changeStreamLength, int waitReplicas, Duration waitTimeout) {

    /** Without {@code WAIT} (no replica has to confirm a write). */
    public RedisSettings(String uri, String user, String password, Path trustStore, Duration timeout,
                         int changeStreamLength) {
        this(uri, user, password, trustStore, timeout, changeStreamLength, 0, Duration.ZERO);
    }

    /** The Lettuce URI with credentials and timeout applied. */
    RedisURI redisUri() {
        // set on the parsed URI itself: RedisURI.builder(parsed) drops a Sentinel URI's sentinels and
        // refuses to build ("One of the following must be provided Host, Socket or Sentinel")
        RedisURI built = RedisURI.create(uri);
        built.setTimeout(timeout);
        built.setClientName("edgeauth");
        if (password != null && !password.isEmpty()) {
            if (user != null && !user.isEmpty()) {
                built.setAuthentication(user, password.toCharArray());
            } else {
                built.setAuthentication(password.toCharArray());
            }
        }
        // Sentinel URIs: the sentinels themselves may need the same TLS
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
