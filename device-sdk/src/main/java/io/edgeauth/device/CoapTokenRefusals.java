package io.edgeauth.device;

import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link DeviceCoapClient} with a {@link TokenManager} does when {@code /authz-info} refuses the manager's current
 * token with 4.01 (its key revoked after a rotation, the device's tokens revoked): asks the manager for a new one at
 * once, as the MQTT client does on CONNACK 0x86/0x87, instead of failing every request until the scheduled refresh at
 * 80% of the token's life. Once per refused token: a device the token endpoint refuses too is then retried on the
 * manager's backoff, not at the pace of its requests. Thread-safe.
 */
final class CoapTokenRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(CoapTokenRefusals.class);

    private final TokenManager manager;
    private final String deviceId;
    /** The fingerprint of the refused token a new one was asked for. */
    private final AtomicReference<String> refreshedFor = new AtomicReference<>();

    CoapTokenRefusals(TokenManager manager, String deviceId) {
        this.manager = manager;
        this.deviceId = deviceId;
    }

    /** The upload of {@code token} failed with {@code error}. */
    void uploadFailed(AccessToken token, Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        AccessToken current = manager.current();
        if (!(t instanceof CoapRequestException e) || !"4.01".equals(e.code()) || current == null
                || !current.fingerprint().equals(token.fingerprint())) {
            return;
        }
        if (!token.fingerprint().equals(refreshedFor.getAndSet(token.fingerprint()))) {
            LOG.info("device {}: the broker refused token fp={} ({}), getting a new one", deviceId, token.fingerprint(),
                    e.getMessage());
            manager.refreshNow(); // the manager's listener uploads the new token
        }
    }
}
