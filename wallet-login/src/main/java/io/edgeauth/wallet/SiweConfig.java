package io.edgeauth.wallet;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link SiweVerifier} accepts: domains, URI origins, schemes, chains, time window, nonce
 * lifetime and message size. Immutable and thread-safe; build with {@link #builder()}.
 *
 * <p>Domains and origins are compared case-insensitively (host names are). When no origin is
 * configured, the accepted origins are {@code scheme://domain} for every accepted scheme and domain,
 * i.e. the URI must point at the site that asks for the sign-in.
 */
public final class SiweConfig {
    /** The largest clock leeway accepted (project rule for every token and message check). */
    public static final Duration MAX_LEEWAY = Duration.ofSeconds(30);

    private final Set<String> domains;
    private final Set<String> origins;
    private final Set<String> schemes;
    private final Set<Long> chainIds;
    private final Duration leeway;
    private final Duration maxAge;
    private final Duration nonceTtl;
    private final int maxMessageLength;
    private final Clock clock;

    private SiweConfig(Builder b) {
        if (b.domains.isEmpty()) {
            throw new IllegalArgumentException("at least one allowed domain is required");
        }
        if (b.chainIds.isEmpty()) {
            throw new IllegalArgumentException("at least one allowed chain id is required");
        }
        if (b.leeway.isNegative() || b.leeway.compareTo(MAX_LEEWAY) > 0) {
            throw new IllegalArgumentException("leeway must be between 0 and " + MAX_LEEWAY + ", got " + b.leeway);
        }
        if (b.nonceTtl.isNegative() || b.nonceTtl.isZero()) {
            throw new IllegalArgumentException("nonce TTL must be positive");
        }
        if (b.maxAge != null && (b.maxAge.isNegative() || b.maxAge.isZero())) {
            throw new IllegalArgumentException("max age must be positive");
        }
        this.domains = Collections.unmodifiableSet(new LinkedHashSet<>(b.domains));
        this.schemes = Collections.unmodifiableSet(new LinkedHashSet<>(b.schemes));
        Set<String> o = new LinkedHashSet<>(b.origins);
        if (o.isEmpty()) {
            for (String s : schemes) {
                for (String d : domains) {
                    o.add(s + "://" + d);
                }
            }
        }
        this.origins = Collections.unmodifiableSet(o);
        this.chainIds = Collections.unmodifiableSet(new LinkedHashSet<>(b.chainIds));
        this.leeway = b.leeway;
        this.maxAge = b.maxAge;
        this.nonceTtl = b.nonceTtl;
        this.maxMessageLength = b.maxMessageLength;
        this.clock = b.clock;
    }

    /** @return a builder with defaults: scheme https, leeway 30 s, nonce TTL 5 min, 8 KiB messages */
    public static Builder builder() {
        return new Builder();
    }

    /** @return accepted domains (lower case) */
    public Set<String> domains() {
        return domains;
    }

    /** @return accepted URI origins {@code scheme://authority} (lower case) */
    public Set<String> origins() {
        return origins;
    }

    /** @return accepted schemes; a message without a scheme counts as {@code https} */
    public Set<String> schemes() {
        return schemes;
    }

    /** @return accepted chain ids */
    public Set<Long> chainIds() {
        return chainIds;
    }

    /** @return clock leeway applied to expiration, not-before and issued-at checks */
    public Duration leeway() {
        return leeway;
    }

    /** @return largest accepted age of issued-at, or null for no limit */
    public Duration maxAge() {
        return maxAge;
    }

    /** @return lifetime of issued nonces */
    public Duration nonceTtl() {
        return nonceTtl;
    }

    /** @return largest accepted message, in characters */
    public int maxMessageLength() {
        return maxMessageLength;
    }

    /** @return time source */
    public Clock clock() {
        return clock;
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private final Set<String> domains = new LinkedHashSet<>();
        private final Set<String> origins = new LinkedHashSet<>();
        private final Set<String> schemes = new LinkedHashSet<>(Set.of("https"));
        private final Set<Long> chainIds = new LinkedHashSet<>();
        private Duration leeway = MAX_LEEWAY;
        private Duration maxAge;
        private Duration nonceTtl = Duration.ofMinutes(5);
        private int maxMessageLength = SiweParser.DEFAULT_MAX_LENGTH;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** @param domain an accepted EIP-4361 domain (authority, e.g. {@code example.com:8443}) */
        public Builder allowDomain(String domain) {
            domains.add(lower(domain));
            return this;
        }

        /** @param origin an accepted URI origin, e.g. {@code https://example.com} (no path) */
        public Builder allowOrigin(String origin) {
            String o = lower(origin);
            while (o.endsWith("/")) {
                o = o.substring(0, o.length() - 1);
            }
            origins.add(o);
            return this;
        }

        /** Replaces the accepted schemes (default {@code https}). */
        public Builder schemes(String... schemes) {
            this.schemes.clear();
            for (String s : schemes) {
                this.schemes.add(lower(s));
            }
            return this;
        }

        /** @param chainId an accepted EIP-155 chain id */
        public Builder allowChainId(long chainId) {
            chainIds.add(chainId);
            return this;
        }

        /** @param leeway clock leeway, at most {@link SiweConfig#MAX_LEEWAY} */
        public Builder leeway(Duration leeway) {
            this.leeway = Objects.requireNonNull(leeway, "leeway");
            return this;
        }

        /** @param maxAge largest accepted age of issued-at (null: no limit; the nonce TTL bounds replays anyway) */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = maxAge;
            return this;
        }

        /** @param nonceTtl lifetime of nonces issued through {@link SiweVerifier#issueNonce()} */
        public Builder nonceTtl(Duration nonceTtl) {
            this.nonceTtl = Objects.requireNonNull(nonceTtl, "nonceTtl");
            return this;
        }

        /** @param maxMessageLength size limit checked before parsing */
        public Builder maxMessageLength(int maxMessageLength) {
            this.maxMessageLength = maxMessageLength;
            return this;
        }

        /** @param clock time source (inject a fixed clock in tests) */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @return the configuration; throws IllegalArgumentException when incomplete or out of bounds */
        public SiweConfig build() {
            return new SiweConfig(this);
        }

        private static String lower(String s) {
            return Objects.requireNonNull(s).toLowerCase(Locale.ROOT);
        }
    }
}
