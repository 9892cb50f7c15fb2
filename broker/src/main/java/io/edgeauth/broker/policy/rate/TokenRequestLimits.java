package io.edgeauth.broker.policy.rate;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.net.InetAddress;
import java.util.Locale;

/**
 * The bounds of the token endpoints ({@code /oauth/token}, CoAP {@code /token}, {@code /siwe/login}; config
 * {@code tokenRequests}), on this node only. Per identity: tokens issued to an <em>authenticated</em> principal, taken
 * once it proved itself and before anything is signed, so a stranger naming a device, a service or a wallet never
 * spends its budget: a device ({@code perDeviceBurst}, refilled at {@code perDevicePerMinute}), a service client or a
 * wallet ({@code perClientBurst}, refilled at {@code perClientPerMinute}; each service and each wallet a budget of its
 * own). Per source address: every token request, whatever its outcome ({@code perAddressPerMinute}), so a client
 * sending bad assertions is bounded too. A value of 0 per minute turns a bound off. A refusal is
 * {@link RejectionReason#RATE_LIMITED} carrying the bucket's real wait. Thread-safe.
 */
public final class TokenRequestLimits {
    /** No bound at all (tests, tools). */
    public static final TokenRequestLimits NONE = new TokenRequestLimits(new Settings(1, 0, 1, 0, 0), 1);

    private final KeyedBuckets<String> devices;
    private final KeyedBuckets<String> services;
    private final KeyedBuckets<String> wallets;
    private final KeyedBuckets<InetAddress> addresses;

    /**
     * The bounds as configured ({@code tokenRequests}); a per-minute value of 0 turns its bound off.
     *
     * @param perDeviceBurst      tokens one device may be issued back to back (at least 1)
     * @param perDevicePerMinute  their refill
     * @param perClientBurst      tokens one service client, or one wallet, may be issued back to back (at least 1)
     * @param perClientPerMinute  their refill
     * @param perAddressPerMinute requests from one source address a minute (and their burst)
     */
    public record Settings(int perDeviceBurst, int perDevicePerMinute, int perClientBurst, int perClientPerMinute,
                           int perAddressPerMinute) { }

    /** @param maxTrackedKeys buckets kept per kind (devices, services, wallets, addresses) at most */
    public TokenRequestLimits(Settings s, long maxTrackedKeys) {
        this.devices = buckets(s.perDeviceBurst(), s.perDevicePerMinute(), maxTrackedKeys);
        // keys of their own (perClient*), not the device's: a service may run many instances under one client id, all
        // asking at once after a deploy, and a wallet signs in from several apps; neither renews on the SDK's schedule.
        // Buckets apart: a flood of fresh wallets (free to make) cannot evict a service's spent bucket.
        this.services = buckets(s.perClientBurst(), s.perClientPerMinute(), maxTrackedKeys);
        this.wallets = buckets(s.perClientBurst(), s.perClientPerMinute(), maxTrackedKeys);
        this.addresses = s.perAddressPerMinute() <= 0 ? null
                : new KeyedBuckets<>(s.perAddressPerMinute(), s.perAddressPerMinute(), maxTrackedKeys);
    }

    private static KeyedBuckets<String> buckets(int burst, int perMinute, long maxKeys) {
        return perMinute <= 0 ? null : new KeyedBuckets<>(burst, perMinute, maxKeys);
    }

    /**
     * Takes one issuance from the budget of the device {@code deviceId} of {@code tenant}, which has authenticated.
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, when its budget is spent
     */
    public void takeIssuance(String tenant, String deviceId) throws TokenRejectedException {
        take(devices, tenant + "/" + deviceId, "device"); // a tenant id has no '/'
    }

    /**
     * Takes one issuance from the budget of the service client {@code serviceId} of {@code tenant}, which has
     * authenticated (its assertion verified with a key it registered).
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, when its budget is spent
     */
    public void takeServiceIssuance(String tenant, String serviceId) throws TokenRejectedException {
        take(services, tenant + "/" + serviceId, "service client");
    }

    /**
     * Takes one issuance from the budget of the wallet whose subject is {@code subject}
     * ({@code did:pkh:eip155:<chain>:<address>}), which has authenticated (a verified SIWE signature, or one of its
     * refresh tokens). Keyed by the address alone: a wallet signing in on another chain id has the same budget.
     *
     * @throws TokenRejectedException RATE_LIMITED, with the wait, when its budget is spent
     */
    public void takeWalletIssuance(String subject) throws TokenRejectedException {
        take(wallets, subject.substring(subject.lastIndexOf(':') + 1).toLowerCase(Locale.ROOT), "wallet");
    }

    /** True when service clients and wallets are bounded: callers skip the work of the check else. */
    public boolean boundsClients() {
        return wallets != null;
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
        InetAddress key = SourceKeys.of(source);
        if (addresses != null && key != null && !addresses.tryTake(key, 1)) {
            throw new TokenRejectedException(RejectionReason.RATE_LIMITED,
                    "too many token requests from this address; retry later")
                    .retryAfter(addresses.secondsUntilAvailable(key));
        }
    }

    private static void take(KeyedBuckets<String> buckets, String key, String principal) throws TokenRejectedException {
        if (buckets != null && !buckets.tryTake(key, 1)) {
            throw new TokenRejectedException(RejectionReason.RATE_LIMITED,
                    "too many tokens for this " + principal + "; retry later")
                    .retryAfter(buckets.secondsUntilAvailable(key));
        }
    }
}
