package io.edgeauth.device;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import io.edgeauth.device.internal.LimitedBody;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets access tokens from the broker's {@code POST /oauth/token} with the {@code client_credentials}
 * grant, authenticating with an RFC 7523 {@code private_key_jwt} client assertion.
 *
 * <pre>{@code
 * TokenClient tokens = TokenClient.builder()
 *         .brokerUri(URI.create("https://broker.example:8443"))
 *         .identity(identity)
 *         .tokenFormat(TokenFormat.CWT)
 *         .build();
 * tokens.fetch().thenAccept(t -> System.out.println("token " + t.fingerprint()));
 * }</pre>
 *
 * <p>Uses the JDK {@link HttpClient} asynchronously; share one {@code HttpClient} between many
 * {@code TokenClient}s (the simulator does) with {@link Builder#httpClient(HttpClient)}. Without one, every
 * {@code TokenClient} with the default connect timeout shares one SDK-wide client (one selector thread,
 * {@value SharedHttpExecutor#THREADS} daemon worker threads); one with its own connect timeout gets its own
 * client on the same bounded executor (the JDK's default executor grew 18-25 threads under many devices). Response
 * bodies are read up to a bound ({@value #DEFAULT_MAX_RESPONSE_BYTES} bytes by default) before any
 * parsing. Thread-safe.
 */
public final class TokenClient implements TokenSource {
    /** The token endpoint path under the broker base URI. */
    public static final String TOKEN_PATH = "/oauth/token";
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
    /**
     * Used when a response lacks {@code expires_in} and the token's own lifetime cannot be read (a JWT's exp - iat, or
     * exp - now without iat).
     */
    static final Duration FALLBACK_LIFETIME = Duration.ofMinutes(5);
    /** Longer {@code expires_in} values are clamped: the broker's tokens live minutes. */
    static final Duration MAX_LIFETIME = Duration.ofDays(1);

    private static final Logger LOG = LoggerFactory.getLogger(TokenClient.class);

    private final URI tokenEndpoint;
    private final ClientAssertions assertions;
    private final TokenFormat format;
    private final String scope;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int maxResponseBytes;
    private final Clock clock;
    private final int busyRetries;

    private TokenClient(Builder b) {
        this.busyRetries = b.busyRetries;
        this.tokenEndpoint = b.tokenEndpoint;
        this.assertions = b.assertions;
        this.format = b.format;
        this.scope = b.scope;
        this.http = b.http;
        this.requestTimeout = b.requestTimeout;
        this.maxResponseBytes = b.maxResponseBytes;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The token endpoint URL (also the assertion audience unless configured otherwise). */
    public URI tokenEndpoint() {
        return tokenEndpoint;
    }

    /** The format requested. */
    public TokenFormat tokenFormat() {
        return format;
    }

    /**
     * Requests a token. The future completes with the token, or fails with a
     * {@link TokenRequestException} (possibly wrapped in a {@link CompletionException}).
     */
    @Override
    public CompletableFuture<AccessToken> fetch() {
        return attempt(0);
    }

    /**
     * One token request; a busy broker's retryable refusal (503 or 429, usually with {@code Retry-After})
     * is retried with a fresh assertion after a jittered backoff, up to {@code busyRetries} times, so a
     * fleet that starts at once spreads itself out instead of failing.
     */
    private CompletableFuture<AccessToken> attempt(int retry) {
        return fetchOnce().handle((token, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof BusyException busy && retry < busyRetries) {
                long delayMs = backoffMillis(busy.retryAfterSeconds, retry);
                LOG.debug("device {}: broker busy (HTTP {}), retry {} in {} ms", assertions.deviceId(),
                        busy.status, retry + 1, delayMs);
                return CompletableFuture.supplyAsync(() -> null,
                        io.edgeauth.device.internal.SdkThreads.after(delayMs))
                        .thenCompose(x -> attempt(retry + 1));
            }
            if (cause instanceof BusyException busy) {
                return CompletableFuture.<AccessToken>failedFuture(busy.failure);
            }
            return error == null ? CompletableFuture.completedFuture(token) : CompletableFuture.<AccessToken>failedFuture(error);
        }).thenCompose(f -> f);
    }

    /** Exponential from 500 ms up to 30 s, never shorter than Retry-After (at most 60 s); times a random [0.5, 1.5). */
    static long backoffMillis(long retryAfterSeconds, int retry) {
        return io.edgeauth.device.internal.BusyRetry.backoffMillis(retryAfterSeconds, retry);
    }

    /** A retryable refusal (the broker sheds load); carries the failure to report once retries run out. */
    private static final class BusyException extends RuntimeException {
        final int status;
        final long retryAfterSeconds;
        final TokenRequestException failure;

        BusyException(int status, long retryAfterSeconds, TokenRequestException failure) {
            super(failure.getMessage(), null, false, false);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
            this.failure = failure;
        }
    }

    private CompletableFuture<AccessToken> fetchOnce() {
        String assertion;
        try {
            assertion = assertions.create();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_assertion_type", ClientAssertions.ASSERTION_TYPE);
        form.put("client_assertion", assertion);
        form.put("token_format", format.parameter());
        if (scope != null) {
            form.put("scope", scope);
        }
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                .build();
        String device = assertions.deviceId();
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request, new LimitedBody(maxResponseBytes));
        // HttpRequest.timeout ends with the response headers: a body trickled after them (under the size bound) held
        // the fetch, and the TokenManager's refresh that joins it, for as long as the server liked. Cancelling the
        // JDK's future aborts the exchange and closes its connection.
        CompletableFuture.runAsync(() -> sent.cancel(true), io.edgeauth.device.internal.SdkThreads.after(requestTimeout.toMillis()));
        return sent
                .handle((response, error) -> {
                    if (error instanceof java.util.concurrent.CancellationException
                            || error != null && error.getCause() instanceof java.util.concurrent.CancellationException) {
                        throw new CompletionException(new TokenRequestException(TokenRequestException.Reason.TIMEOUT,
                                "no complete response within " + requestTimeout.toMillis() + " ms", error));
                    }
                    if (error != null) {
                        throw new CompletionException(transportError(error, tokenEndpoint));
                    }
                    if (response.statusCode() == 503 || response.statusCode() == 429) {
                        long retryAfter = response.headers().firstValue("retry-after").map(v -> {
                            try {
                                return Long.parseLong(v.trim());
                            } catch (NumberFormatException e) {
                                return 0L; // an HTTP date: use our own backoff
                            }
                        }).orElse(0L);
                        TokenRequestException failure;
                        try {
                            parse(response.statusCode(), response.body());
                            failure = new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE,
                                    response.statusCode(), null, "busy", null);
                        } catch (TokenRequestException e) {
                            failure = e;
                        }
                        throw new BusyException(response.statusCode(), retryAfter, failure);
                    }
                    AccessToken token = parse(response.statusCode(), response.body());
                    LOG.debug("device {}: got {} token fp={} expiring {}", device, token.format(), token.fingerprint(), token.expiresAt());
                    return token;
                });
    }

    /** Parses a token endpoint response (status and bounded body) into a token or a typed exception. */
    AccessToken parse(int status, byte[] body) {
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException | RuntimeException e) {
            if (status != 200) {
                throw new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE, status, null, "error response is not JSON", null);
            }
            throw new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE, status, null, "response is not a JSON object", e);
        }
        if (status != 200) {
            Object error = json.get("error");
            Object description = json.get("error_description");
            if (error instanceof String) {
                throw new TokenRequestException(TokenRequestException.Reason.OAUTH_ERROR, status, (String) error,
                        description instanceof String ? (String) description : null, null);
            }
            throw new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE, status, null, "error response without an error code", null);
        }
        Object value = json.get("access_token");
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            throw invalid("access_token missing");
        }
        Object type = json.get("token_type");
        if (type != null && !(type instanceof String)) {
            throw invalid("token_type is not a string");
        }
        Object scopeValue = json.get("scope");
        Instant now = clock.instant();
        Instant expiresAt = now.plus(lifetime(json.get("expires_in"), (String) value, now));
        try {
            return new AccessToken((String) value, format, (String) type, scopeValue instanceof String ? (String) scopeValue : null, now, expiresAt);
        } catch (IllegalArgumentException e) {
            throw new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE, "access_token is not a valid " + format, e);
        }
    }

    private Duration lifetime(Object expiresIn, String token, Instant now) {
        if (expiresIn != null) {
            if (!(expiresIn instanceof Number)) {
                throw invalid("expires_in is not a number");
            }
            long seconds = ((Number) expiresIn).longValue();
            if (seconds <= 0) {
                throw invalid("expires_in is not positive");
            }
            return seconds > MAX_LIFETIME.toSeconds() ? MAX_LIFETIME : Duration.ofSeconds(seconds);
        }
        if (format == TokenFormat.JWT) {
            try {
                JWTClaimsSet claims = JWTParser.parse(token).getJWTClaimsSet();
                Date exp = claims.getExpirationTime();
                Date iat = claims.getIssueTime();
                // exp - iat is the lifetime on the broker's clock alone; exp - now mixes in the device's, which may be
                // hours off (no RTC, no NTP yet): a 10-minute token then looked good for hours, or expired already
                Instant from = iat != null ? iat.toInstant() : now;
                if (exp != null && exp.toInstant().isAfter(from)) {
                    Duration d = Duration.between(from, exp.toInstant());
                    return d.compareTo(MAX_LIFETIME) > 0 ? MAX_LIFETIME : d;
                }
            } catch (ParseException e) {
                throw invalid("access_token is not a JWT");
            }
        }
        return FALLBACK_LIFETIME;
    }

    private static TokenRequestException invalid(String why) {
        return new TokenRequestException(TokenRequestException.Reason.INVALID_RESPONSE, 200, null, why, null);
    }

    private static TokenRequestException transportError(Throwable error, URI endpoint) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof TokenRequestException) {
            return (TokenRequestException) t;
        }
        if (t instanceof LimitedBody.TooLargeException || t.getCause() instanceof LimitedBody.TooLargeException) {
            return new TokenRequestException(TokenRequestException.Reason.RESPONSE_TOO_LARGE, t.getMessage(), t);
        }
        if (t instanceof HttpTimeoutException) {
            return new TokenRequestException(TokenRequestException.Reason.TIMEOUT, t.getMessage(), t);
        }
        if (t instanceof IOException) {
            // the JDK wraps subscriber failures in IOException
            Throwable c = t.getCause();
            if (c instanceof LimitedBody.TooLargeException) {
                return new TokenRequestException(TokenRequestException.Reason.RESPONSE_TOO_LARGE, c.getMessage(), t);
            }
        }
        // the JDK's connect failures often carry no message of their own: name the endpoint and the first cause that says
        return new TokenRequestException(TokenRequestException.Reason.TRANSPORT, "cannot reach " + endpoint.getScheme()
                + "://" + endpoint.getHost() + ":" + endpoint.getPort() + ": " + described(t), t);
    }

    /** The failure's class and the first message in its cause chain (e.g. "ConnectException: Connection refused"). */
    private static String described(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + c.getMessage();
            }
        }
        return t.getClass().getSimpleName();
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private URI tokenEndpoint;
        private DeviceIdentity identity;
        private ClientAssertions assertions;
        private ClientAssertions.Builder assertionsBuilder;
        private String audience;
        private TokenFormat format = TokenFormat.JWT;
        private String scope;
        private HttpClient http;
        private Duration connectTimeout = SharedHttpExecutor.DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = Duration.ofSeconds(15);
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private Clock clock = Clock.systemUTC();
        private int busyRetries = 8;
        private java.security.Provider signatureProvider;

        private Builder() {
        }

        /**
         * The JCA provider that signs the client assertions (see {@link ClientAssertions.Builder#signatureProvider});
         * ignored with {@link #assertions(ClientAssertions)}. Default: the JVM's providers.
         */
        public Builder signatureProvider(java.security.Provider provider) {
            this.signatureProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * How often a busy broker's 503/429 is retried (after at least {@code Retry-After}, growing, with jitter) before
         * {@link #fetch()} fails. Default 8; 0 disables.
         */
        public Builder busyRetries(int retries) {
            this.busyRetries = io.edgeauth.device.internal.BusyRetry.checkRetries(retries);
            return this;
        }

        /** The broker's HTTP base, e.g. {@code https://broker:8443}; the endpoint is base + {@value #TOKEN_PATH}. */
        public Builder brokerUri(URI base) {
            String s = base.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            this.tokenEndpoint = URI.create(s + TOKEN_PATH);
            return this;
        }

        /** The full token endpoint URL, if it is not at base + {@value #TOKEN_PATH}. */
        public Builder tokenEndpoint(URI endpoint) {
            this.tokenEndpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** The device identity; assertions get aud = the token endpoint URL (or {@link #audience(String)}). */
        public Builder identity(DeviceIdentity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /** Ready-made assertions instead of {@link #identity(DeviceIdentity)}; their audience is theirs. */
        public Builder assertions(ClientAssertions assertions) {
            this.assertions = Objects.requireNonNull(assertions, "assertions");
            this.assertionsBuilder = null;
            return this;
        }

        /**
         * Assertions this client builds, instead of {@link #identity(DeviceIdentity)}: for zero-touch provisioning
         * ({@code ClientAssertions.builder(identity).certificateChain(List.of(leaf))}) or a device of an enrollment
         * group ({@code ClientAssertions.groupBuilder(deviceId, groupId, deviceKey)}). Without an audience of its own,
         * the builder gets {@link #audience(String)}, else the token endpoint URL; its clock and signature provider
         * stay its own.
         */
        public Builder assertions(ClientAssertions.Builder assertions) {
            this.assertionsBuilder = Objects.requireNonNull(assertions, "assertions");
            this.assertions = null;
            return this;
        }

        /**
         * The assertion audience, if not the token endpoint URL: the broker's issuer, or its public URL +
         * {@value #TOKEN_PATH} when this client reaches a node by another address (the broker accepts only those).
         */
        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        /** JWT (default) or CWT. */
        public Builder tokenFormat(TokenFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** Optional {@code scope} to request. */
        public Builder scope(String scope) {
            this.scope = scope;
            return this;
        }

        /** A shared HTTP client (its own connect timeout and executor apply). */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /** Connect timeout of the HTTP client this builder creates (ignored with {@link #httpClient}). Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout);
            return this;
        }

        /** Whole-request timeout, from sending the request to the last byte of the response. Default 15 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout);
            return this;
        }

        /** Largest response body read. Default 64 KiB. */
        public Builder maxResponseBytes(int max) {
            if (max < 256) {
                throw new IllegalArgumentException("maxResponseBytes must be at least 256");
            }
            this.maxResponseBytes = max;
            return this;
        }

        /** Clock for issuedAt/expiresAt (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public TokenClient build() {
            if (tokenEndpoint == null) {
                throw new IllegalStateException("brokerUri or tokenEndpoint is required");
            }
            if (assertionsBuilder != null) {
                assertions = assertionsBuilder.audienceIfUnset(audience != null ? audience : tokenEndpoint.toString()).build();
            } else if (assertions == null) {
                if (identity == null) {
                    throw new IllegalStateException("identity or assertions is required");
                }
                ClientAssertions.Builder a = ClientAssertions.builder(identity)
                        .audience(audience != null ? audience : tokenEndpoint.toString())
                        .clock(clock);
                if (signatureProvider != null) {
                    a.signatureProvider(signatureProvider);
                }
                assertions = a.build();
            }
            if (http == null && connectTimeout.equals(SharedHttpExecutor.DEFAULT_CONNECT_TIMEOUT)) {
                http = SharedHttpExecutor.DEFAULT_CLIENT;
            } else if (http == null) {
                http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
                        .executor(SharedHttpExecutor.INSTANCE).build();
            }
            return new TokenClient(this);
        }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("must be positive: " + d);
            }
            return d;
        }
    }
}
