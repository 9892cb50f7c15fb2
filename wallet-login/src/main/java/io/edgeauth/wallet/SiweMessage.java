package io.edgeauth.wallet;

import io.edgeauth.wallet.internal.Fields;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An EIP-4361 (Sign-In with Ethereum) message.
 *
 * <p>Instances are immutable and thread-safe, and always valid by the EIP-4361 ABNF: the
 * {@link Builder} and {@link SiweParser} refuse anything else with a {@link SiweException}. Timestamps
 * keep the exact text they were given (so {@link #toMessageString()} reproduces the signed bytes,
 * e.g. {@code .000Z} versus {@code Z}) next to their parsed {@link Instant}.
 *
 * <pre>{@code
 * SiweMessage m = SiweMessage.builder()
 *     .domain("example.com").address("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2")
 *     .statement("Sign in to Example").uri("https://example.com/login")
 *     .chainId(1).nonce(nonce).issuedAt(Instant.now())
 *     .build();
 * String text = m.toMessageString(); // what the wallet signs with personal_sign
 * }</pre>
 */
public final class SiweMessage {
    /** The fixed text after the domain on the first line. */
    public static final String PREAMBLE_SUFFIX = " wants you to sign in with your Ethereum account:";

    private final String scheme;
    private final String domain;
    private final String address;
    private final String statement;
    private final String uri;
    private final String version;
    private final long chainId;
    private final String nonce;
    private final String issuedAt;
    private final String expirationTime;
    private final String notBefore;
    private final String requestId;
    private final List<String> resources;
    private final Instant issuedAtInstant;
    private final Instant expirationInstant;
    private final Instant notBeforeInstant;
    // Racy single-check cache: String is immutable, so a benign race only recomputes the same value.
    private String text;

    private SiweMessage(Builder b, long chainId, Instant iat, Instant exp, Instant nbf) {
        this.scheme = b.scheme;
        this.domain = b.domain;
        this.address = b.address;
        this.statement = b.statement;
        this.uri = b.uri;
        this.version = b.version;
        this.chainId = chainId;
        this.nonce = b.nonce;
        this.issuedAt = b.issuedAt;
        this.expirationTime = b.expirationTime;
        this.notBefore = b.notBefore;
        this.requestId = b.requestId;
        this.resources = Collections.unmodifiableList(new ArrayList<>(b.resources));
        this.issuedAtInstant = iat;
        this.expirationInstant = exp;
        this.notBeforeInstant = nbf;
    }

    /** @return a new, empty builder (version preset to {@code 1}) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder preset with every field of this message */
    public Builder toBuilder() {
        Builder b = new Builder().scheme(scheme).domain(domain).address(address).statement(statement).uri(uri)
                .version(version).chainId(chainId).nonce(nonce).issuedAt(issuedAt).expirationTime(expirationTime)
                .notBefore(notBefore).requestId(requestId);
        b.resources.addAll(resources);
        return b;
    }

    /** @return the optional URI scheme before the domain (e.g. {@code https}), or null */
    public String scheme() {
        return scheme;
    }

    /** @return the RFC 3986 authority asking for the sign-in (host, optional userinfo and port) */
    public String domain() {
        return domain;
    }

    /** @return the signing address in EIP-55 checksum form */
    public String address() {
        return address;
    }

    /** @return the optional human-readable statement, or null */
    public String statement() {
        return statement;
    }

    /** @return the RFC 3986 URI of the resource that is the subject of the signing */
    public String uri() {
        return uri;
    }

    /** @return the message version, always {@code 1} */
    public String version() {
        return version;
    }

    /** @return the EIP-155 chain id */
    public long chainId() {
        return chainId;
    }

    /** @return the nonce (at least 8 alphanumeric characters) */
    public String nonce() {
        return nonce;
    }

    /** @return the issued-at timestamp exactly as written */
    public String issuedAt() {
        return issuedAt;
    }

    /** @return the issued-at instant */
    public Instant issuedAtInstant() {
        return issuedAtInstant;
    }

    /** @return the expiration timestamp as written, or null */
    public String expirationTime() {
        return expirationTime;
    }

    /** @return the expiration instant, or null */
    public Instant expirationInstant() {
        return expirationInstant;
    }

    /** @return the not-before timestamp as written, or null */
    public String notBefore() {
        return notBefore;
    }

    /** @return the not-before instant, or null */
    public Instant notBeforeInstant() {
        return notBeforeInstant;
    }

    /** @return the optional request id, or null */
    public String requestId() {
        return requestId;
    }

    /** @return the resources (unmodifiable, possibly empty) */
    public List<String> resources() {
        return resources;
    }

    /** @return the exact EIP-4361 text of this message (LF line ends, no trailing LF) */
    public String toMessageString() {
        String t = text;
        if (t == null) {
            t = render();
            text = t;
        }
        return t;
    }

    private String render() {
        StringBuilder b = new StringBuilder(256);
        if (scheme != null) {
            b.append(scheme).append("://");
        }
        b.append(domain).append(PREAMBLE_SUFFIX).append('\n');
        b.append(address).append('\n');
        b.append('\n');
        if (statement != null) {
            b.append(statement).append('\n');
        }
        b.append('\n');
        b.append("URI: ").append(uri).append('\n');
        b.append("Version: ").append(version).append('\n');
        b.append("Chain ID: ").append(chainId).append('\n');
        b.append("Nonce: ").append(nonce).append('\n');
        b.append("Issued At: ").append(issuedAt);
        if (expirationTime != null) {
            b.append("\nExpiration Time: ").append(expirationTime);
        }
        if (notBefore != null) {
            b.append("\nNot Before: ").append(notBefore);
        }
        if (requestId != null) {
            b.append("\nRequest ID: ").append(requestId);
        }
        if (!resources.isEmpty()) {
            b.append("\nResources:");
            for (String r : resources) {
                b.append("\n- ").append(r);
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SiweMessage)) {
            return false;
        }
        SiweMessage m = (SiweMessage) o;
        return chainId == m.chainId && Objects.equals(scheme, m.scheme) && domain.equals(m.domain)
                && address.equals(m.address) && Objects.equals(statement, m.statement) && uri.equals(m.uri)
                && version.equals(m.version) && nonce.equals(m.nonce) && issuedAt.equals(m.issuedAt)
                && Objects.equals(expirationTime, m.expirationTime) && Objects.equals(notBefore, m.notBefore)
                && Objects.equals(requestId, m.requestId) && resources.equals(m.resources);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domain, address, uri, chainId, nonce, issuedAt);
    }

    @Override
    public String toString() {
        return "SiweMessage[domain=" + domain + ", address=" + address + ", chainId=" + chainId + ", nonce=" + nonce
                + ", issuedAt=" + issuedAt + "]";
    }

    /**
     * Collects the fields of a {@link SiweMessage}; {@link #build()} checks every field against the
     * EIP-4361 ABNF. Not thread-safe (use one builder per thread).
     */
    public static final class Builder {
        private String scheme;
        private String domain;
        private String address;
        private String statement;
        private String uri;
        private String version = "1";
        private Long chainId;
        private String chainIdText;
        private String nonce;
        private String issuedAt;
        private String expirationTime;
        private String notBefore;
        private String requestId;
        private final List<String> resources = new ArrayList<>();

        private Builder() {
        }

        /** @param scheme optional URI scheme written before the domain (e.g. {@code https}); null for none */
        public Builder scheme(String scheme) {
            this.scheme = scheme;
            return this;
        }

        /** @param domain RFC 3986 authority of the site asking for the sign-in */
        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /** @param address signing address, must be EIP-55 checksummed */
        public Builder address(String address) {
            this.address = address;
            return this;
        }

        /** @param statement optional single-line statement; null for none */
        public Builder statement(String statement) {
            this.statement = statement;
            return this;
        }

        /** @param uri RFC 3986 URI of the resource that is the subject of the signing */
        public Builder uri(String uri) {
            this.uri = uri;
            return this;
        }

        /** @param version message version; only {@code 1} is valid (the default) */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** @param chainId EIP-155 chain id */
        public Builder chainId(long chainId) {
            this.chainId = chainId;
            this.chainIdText = null;
            return this;
        }

        /** @param chainId EIP-155 chain id as decimal text (checked by {@link #build()}); null for none */
        public Builder chainId(String chainId) {
            this.chainIdText = chainId;
            this.chainId = null;
            return this;
        }

        /** @param nonce at least 8 alphanumeric characters */
        public Builder nonce(String nonce) {
            this.nonce = nonce;
            return this;
        }

        /** @param issuedAt RFC 3339 date-time text */
        public Builder issuedAt(String issuedAt) {
            this.issuedAt = issuedAt;
            return this;
        }

        /** @param issuedAt instant, written in UTC ({@code Z}) form */
        public Builder issuedAt(Instant issuedAt) {
            return issuedAt(format(issuedAt));
        }

        /** @param expirationTime RFC 3339 date-time text; null for none */
        public Builder expirationTime(String expirationTime) {
            this.expirationTime = expirationTime;
            return this;
        }

        /** @param expirationTime instant; null for none */
        public Builder expirationTime(Instant expirationTime) {
            return expirationTime(format(expirationTime));
        }

        /** @param notBefore RFC 3339 date-time text; null for none */
        public Builder notBefore(String notBefore) {
            this.notBefore = notBefore;
            return this;
        }

        /** @param notBefore instant; null for none */
        public Builder notBefore(Instant notBefore) {
            return notBefore(format(notBefore));
        }

        /** @param requestId optional request id (RFC 3986 pchar); null for none */
        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        /** @param resource RFC 3986 URI appended to the resources list */
        public Builder addResource(String resource) {
            resources.add(resource);
            return this;
        }

        /** @param resources replaces the resources list (null means empty) */
        public Builder resources(List<String> resources) {
            this.resources.clear();
            if (resources != null) {
                this.resources.addAll(resources);
            }
            return this;
        }

        private static String format(Instant t) {
            return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t);
        }

        /**
         * @return the message
         * @throws SiweException with the code of the first field that breaks the EIP-4361 ABNF
         */
        public SiweMessage build() throws SiweException {
            Fields.scheme(scheme);
            Fields.domain(domain);
            Fields.address(address);
            Fields.statement(statement);
            Fields.uri(uri);
            Fields.version(version);
            long chain = chainId != null ? Fields.chainId(chainId.longValue()) : Fields.chainId(chainIdText);
            Fields.nonce(nonce);
            Instant iat = Fields.timestamp("issued-at time", issuedAt, true);
            Instant exp = Fields.timestamp("expiration time", expirationTime, false);
            Instant nbf = Fields.timestamp("not-before time", notBefore, false);
            Fields.requestId(requestId);
            for (int i = 0; i < resources.size(); i++) {
                Fields.resource(i, resources.get(i));
            }
            return new SiweMessage(this, chain, iat, exp, nbf);
        }
    }
}
