package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Limits every presented token must satisfy, whatever its encoding. Immutable; build with
 * {@link #builder()}.
 */
public final class TokenPolicy {
    public static final int DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(10);
    /** The largest clock leeway we allow: more would stretch every token's window noticeably. */
    public static final Duration MAX_LEEWAY = Duration.ofSeconds(30);

    private final int maxTokenBytes;
    private final Duration maxLifetime;
    private final Duration leeway;
    private final Set<String> audiences;

    private TokenPolicy(Builder b) {
        if (b.maxTokenBytes < 64 || b.maxTokenBytes > 1024 * 1024) {
            throw new IllegalArgumentException("maxTokenBytes must be within 64 B .. 1 MiB");
        }
        Objects.requireNonNull(b.maxLifetime, "maxLifetime");
        if (b.maxLifetime.isNegative() || b.maxLifetime.isZero()) {
            throw new IllegalArgumentException("maxLifetime must be positive");
        }
        Objects.requireNonNull(b.leeway, "leeway");
        if (b.leeway.isNegative() || b.leeway.compareTo(MAX_LEEWAY) > 0) {
            throw new IllegalArgumentException("leeway must be within 0..30 s, got " + b.leeway);
        }
        if (b.audiences.isEmpty()) {
            throw new IllegalArgumentException("at least one accepted audience");
        }
        this.maxTokenBytes = b.maxTokenBytes;
        this.maxLifetime = b.maxLifetime;
        this.leeway = b.leeway;
        this.audiences = Set.copyOf(b.audiences);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Larger tokens are refused before parsing ({@link RejectionReason#OVERSIZED}); default 8 KiB. */
    public int maxTokenBytes() {
        return maxTokenBytes;
    }

    /** Largest {@code exp - iat} accepted ({@link RejectionReason#LIFETIME_TOO_LONG}); default 10 min. */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}; at most 30 s, default 30 s. */
    public Duration leeway() {
        return leeway;
    }

    /** Audiences accepted for the broker's own tenants (trusted issuers configure their own). */
    public Set<String> audiences() {
        return audiences;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private int maxTokenBytes = DEFAULT_MAX_TOKEN_BYTES;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private Duration leeway = MAX_LEEWAY;
        private final Set<String> audiences = new LinkedHashSet<>();

        public Builder maxTokenBytes(int v) {
            this.maxTokenBytes = v;
            return this;
        }

        public Builder maxLifetime(Duration v) {
            this.maxLifetime = v;
            return this;
        }

        public Builder leeway(Duration v) {
            this.leeway = v;
            return this;
        }

        public Builder audience(String... v) {
            for (String a : v) {
                audiences.add(Objects.requireNonNull(a));
            }
            return this;
        }

        public Builder audiences(Set<String> v) {
            audiences.addAll(v);
            return this;
        }

        public TokenPolicy build() {
            return new TokenPolicy(this);
        }
    }
}
