package io.edgeauth.broker.token;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a token the broker issues should say. {@code iss}, {@code iat}, {@code nbf}, {@code exp} and
 * (unless set for a test) {@code jti} are filled in by {@link TokenIssuer}. Immutable; build with
 * {@link #builder(String, String)}.
 */
public final class TokenClaims {
    private final String tenantId;
    private final String subject;
    private final List<String> audience;
    private final Set<String> scope;
    private final List<String> geo;
    private final String region;
    private final Confirmation cnf;
    private final String actor;
    private final String owner;
    private final Duration lifetime;
    private final String tokenId;
    private final List<String> parentTokenIds;
    private final String fleetCa;

    private TokenClaims(Builder b) {
        this.tenantId = Objects.requireNonNull(b.tenantId, "tenantId");
        this.subject = Objects.requireNonNull(b.subject, "subject");
        if (b.audience.isEmpty()) {
            throw new IllegalArgumentException("at least one audience");
        }
        for (String s : b.scope) {
            if (s.isEmpty() || s.contains(" ")) {
                throw new IllegalArgumentException("scope values must be non-empty and contain no spaces");
            }
        }
        this.audience = List.copyOf(b.audience);
        this.scope = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.scope));
        this.geo = List.copyOf(b.geo);
        this.region = b.region;
        this.cnf = b.cnf == null ? Confirmation.NONE : b.cnf;
        this.actor = b.actor;
        this.owner = b.owner;
        this.lifetime = b.lifetime;
        this.tokenId = b.tokenId;
        this.parentTokenIds = List.copyOf(b.parentTokenIds);
        this.fleetCa = b.fleetCa;
    }

    /** @param tenantId tenant whose active key signs; @param subject {@code sub} */
    public static Builder builder(String tenantId, String subject) {
        return new Builder(tenantId, subject);
    }

    public String tenantId() {
        return tenantId;
    }

    public String subject() {
        return subject;
    }

    public List<String> audience() {
        return audience;
    }

    public Set<String> scope() {
        return scope;
    }

    public List<String> geo() {
        return geo;
    }

    public String region() {
        return region;
    }

    public Confirmation cnf() {
        return cnf;
    }

    public String actor() {
        return actor;
    }

    public String owner() {
        return owner;
    }

    /** Requested lifetime, or null for the issuer's default; always capped at the maximum. */
    public Duration lifetime() {
        return lifetime;
    }

    /** Fixed jti, or null for a fresh random one (the normal case). */
    public String tokenId() {
        return tokenId;
    }

    /** {@code parent_jti}: the tokens this one is exchanged from, nearest first (empty for most tokens). */
    public List<String> parentTokenIds() {
        return parentTokenIds;
    }

    /** {@code fleet_ca}: the fleet CA that provisioned the device, or null. */
    public String fleetCa() {
        return fleetCa;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final String tenantId;
        private final String subject;
        private final List<String> audience = new ArrayList<>();
        private final Set<String> scope = new LinkedHashSet<>();
        private final List<String> geo = new ArrayList<>();
        private String region;
        private Confirmation cnf;
        private String actor;
        private String owner;
        private Duration lifetime;
        private String tokenId;
        private final List<String> parentTokenIds = new ArrayList<>();
        private String fleetCa;

        private Builder(String tenantId, String subject) {
            this.tenantId = tenantId;
            this.subject = subject;
        }

        public Builder audience(String... v) {
            audience.addAll(List.of(v));
            return this;
        }

        public Builder scope(String... v) {
            scope.addAll(List.of(v));
            return this;
        }

        public Builder geo(String... v) {
            geo.addAll(List.of(v));
            return this;
        }

        public Builder region(String v) {
            region = v;
            return this;
        }

        public Builder cnf(Confirmation v) {
            cnf = v;
            return this;
        }

        public Builder actor(String v) {
            actor = v;
            return this;
        }

        public Builder owner(String v) {
            owner = v;
            return this;
        }

        /** The fleet CA that provisioned the device ({@code fleet_ca}), so withdrawing the CA revokes the token. */
        public Builder fleetCa(String v) {
            fleetCa = v;
            return this;
        }

        public Builder lifetime(Duration v) {
            lifetime = v;
            return this;
        }

        public Builder tokenId(String v) {
            tokenId = v;
            return this;
        }

        public Builder parentTokenIds(List<String> v) {
            parentTokenIds.addAll(v);
            return this;
        }

        public TokenClaims build() {
            return new TokenClaims(this);
        }
    }
}
