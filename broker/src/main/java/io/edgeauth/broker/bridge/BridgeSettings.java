package io.edgeauth.broker.bridge;

import java.time.Duration;
import java.util.Objects;

/**
 * One upstream forwarding of a tenant's traffic.
 *
 * @param host            upstream broker host
 * @param port            upstream broker port
 * @param tls             connect with TLS (default JDK trust)
 * @param clientId        client id at the upstream broker
 * @param username        the bridge's own upstream user name, or null (never a device's)
 * @param password        the bridge's own upstream password, or null (never a device token)
 * @param tenant          the tenant whose traffic is bridged
 * @param localFilter     which local topics go up, e.g. {@code d/+/up/#}
 * @param upstreamPrefix  prefix prepended upstream, e.g. {@code edge1/tenantA/}; commands come back under it
 * @param commandFilter   local filter (under the prefix upstream) of commands taken back down, e.g. {@code d/+/down/#};
 *                        null: no commands
 * @param bufferSize      messages held while upstream is unreachable (oldest dropped beyond)
 * @param inflight        QoS 1 publishes awaiting PUBACK upstream
 * @param minBackoff      first reconnect delay
 * @param maxBackoff      largest reconnect delay (exponential backoff in between)
 */
public record BridgeSettings(String host, int port, boolean tls, String clientId, String username, String password,
                             String tenant, String localFilter, String upstreamPrefix, String commandFilter,
                             int bufferSize, int inflight, Duration minBackoff, Duration maxBackoff) {
    public BridgeSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(localFilter, "localFilter");
        upstreamPrefix = upstreamPrefix == null ? "" : upstreamPrefix;
        if (bufferSize < 1 || inflight < 1) {
            throw new IllegalArgumentException("bridge bufferSize and inflight must be positive");
        }
        minBackoff = minBackoff == null ? Duration.ofSeconds(1) : minBackoff;
        maxBackoff = maxBackoff == null ? Duration.ofMinutes(2) : maxBackoff;
    }
}
