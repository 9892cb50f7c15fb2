package io.edgeauth.broker.policy.rate;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.net.InetAddress;

/**
 * The bounds of the token endpoints ({@code /oauth/token}, CoAP {@code /token}; config {@code tokenRequests}), on
 * this node only. Per device: tokens issued to an <em>authenticated</em> device ({@code perDeviceBurst}, refilled at
 * {@code perDevicePerMinute}), taken once the device proved itself and before anything is signed, so a stranger's
 * assertions naming a device never spend its budget. Per source address: every token request, whatever its outcome
 * ({@code perAddressPerMinute}), so a client sending bad assertions is bounded too. A value of 0 per minute turns a
 * bound off. A refusal is {@link RejectionReason#RATE_LIMITED} carrying the bucket's real wait. Thread-safe.
 */
public final class TokenRequestLimits {
    /** No bound at all (tests, tools). */
    public static final TokenRequestLimits NONE = new TokenRequestLimits(1, 0, 0, 1);

    private final KeyedBuckets<String> devices;
    private final KeyedBuckets<InetAddress> addresses;

    /**
     * @param perDeviceBurst      tokens one device may be issued back to back (at least 1)
     * @param perDevicePerMinute  their refill; 0: no per-device bound
     * @param perAddressPerMinute requests from one source address a minute (and their burst); 0: no such bound
     * @param maxTrackedKeys      buckets kept per kind at most
     */
    public TokenRequestLimits(int perDeviceBurst, int perDevicePerMinute, int perAddressPerMinute, long maxTrackedKeys) {
        this.devices = perDevicePerMinute <= 0 ? null
                : new KeyedBuckets<>(perDeviceBurst, perDevicePerMinute, maxTrackedKeys);
        this.addresses = perAddressPerMinute <= 0 ? null
                : new KeyedBuckets<>(perAddressPerMinute, perAddressPerMinute, maxTrackedKeys);
    }

    /**
     * Takes one issuance from the budget of the device {@code deviceId} of {@code tenant}, which has authenticated.
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, when its budget is spent
     */
    public void takeIssuance(String tenant, String deviceId) throws TokenRejectedException {
        String key = tenant + "/" + deviceId; // a tenant id has no '/'
        if (devices != null && !devices.tryTake(key, 1)) {
            throw new TokenRejectedException(RejectionReason.RATE_LIMITED, "too many tokens for this device; retry later")
                    .retryAfter(devices.secondsUntilAvailable(key));
        }
    }

    /** True when requests are bounded per source address (off by default): callers skip the address lookup else. */
    public boolean boundsAddresses() {
        return addresses != null;
    }

    /**
     * Takes one request from the budget of {@code source} (null: unknown, not bounded).
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, when its budget is spent
     */
    public void takeRequest(InetAddress source) throws TokenRejectedException {
        if (addresses != null && source != null && !addresses.tryTake(source, 1)) {
            throw new TokenRejectedException(RejectionReason.RATE_LIMITED,
                    "too many token requests from this address; retry later")
                    .retryAfter(addresses.secondsUntilAvailable(source));
        }
    }
}
