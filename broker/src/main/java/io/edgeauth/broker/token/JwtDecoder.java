package io.edgeauth.broker.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes a compact JWS JWT (RFC 7515/7519) with Nimbus's base64url/JSON parsing, without checking
 * the signature. Strict on structure: exactly three base64url parts without padding, a JSON object
 * header with a known {@code alg} (never {@code none}) and no {@code crit} (we implement no
 * extensions, and {@code b64:false} would change what is signed), a JSON object payload. Key-bearing
 * headers ({@code jku}, {@code x5u}, {@code jwk}) are ignored: keys only ever come from our
 * {@link io.edgeauth.broker.keys.KeyResolver}. {@code x5c} is handed on as it was read, unchecked, for
 * the enrollment front to validate against a fleet CA; no token verification uses it. Stateless and
 * thread-safe.
 */
final class JwtDecoder {
    private static final Base64.Decoder B64 = Base64.getUrlDecoder();
    /** One look-up per byte: the scan runs over every byte of every token and assertion (3 KB with x5c). */
    private static final boolean[] BASE64URL = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            BASE64URL[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }
    }

    /** Largest NumericDate accepted (year 9999): keeps later arithmetic far from overflow. */
    private static final double MAX_SECONDS = 253402300799d;

    private JwtDecoder() {
    }

    /** True if the bytes look like a compact JWS (a base64url JSON header starts with "ey"). */
    static boolean looksLikeJwt(byte[] token) {
        return token.length > 1 && token[0] == 'e' && token[1] == 'y';
    }

    /**
     * The parts of a compact JWS: the header's algorithm and kid, what was signed
     * ({@code token[0, signedLength)}), the signature and the raw payload. Claims are not parsed.
     */
    record JwsParts(TokenAlgorithm algorithm, String kid, Object x5c, int signedLength, byte[] payload,
                    byte[] signature, String typ) {
    }

    /** What we use from a JWS header that passed the checks; kid null if absent or empty; x5c the raw value or null. */
    private record Header(TokenAlgorithm algorithm, String kid, Object x5c, String typ) {
    }

    /**
     * The {@code typ} values (lower case, without {@code application/}) of JWTs that are no access tokens: DPoP proofs
     * (RFC 9449), security events (RFC 8417), back-channel logout tokens (OpenID), introspection answers (RFC 9701),
     * request objects (RFC 9101), client assertions (RFC 7523bis), SD-JWT key binding. RFC 9068 §4 has a resource
     * server take {@code at+jwt} only; no {@code typ} and {@code JWT}, which many IdPs set on their access tokens,
     * are still taken (docs/contract.md, Deviations; tour X, X7). Also the broker's own audit checkpoint JWS
     * ({@code io.edgeauth.broker.audit.JwsCheckpoints.TYPE}, spelled out here: the token package does not depend on the
     * audit one), signed with a tenant's access-token key: its claims alone should not be what keeps it out (tour J, J3).
     */
    private static final java.util.Set<String> NOT_ACCESS_TOKENS = java.util.Set.of("dpop+jwt", "secevent+jwt",
            "logout+jwt", "token-introspection+jwt", "oauth-authz-req+jwt", "client-authentication+jwt", "kb+jwt",
            "edgeauth-audit-checkpoint");

    /**
     * Headers already parsed and accepted, by their exact base64url bytes: all tokens signed by one key
     * share the same header, so this skips a base64 decode and a JSON parse per token. Bounded by
     * clearing when full (unique headers from an attacker only cost them the parse they'd cost anyway). A header
     * with {@code x5c} is never kept: it carries one device's certificate, so it is new on every first enrollment
     * and would only copy its bytes and push the shared headers out.
     */
    private static final int HEADER_CACHE_MAX = 1024;
    private static final Map<ByteBuffer, Header> HEADERS = new ConcurrentHashMap<>();

    private static Header header(byte[] token, int end) throws TokenRejectedException {
        Header cached = HEADERS.get(ByteBuffer.wrap(token, 0, end));
        if (cached != null) {
            return cached;
        }
        Header h = parseHeader(json(base64(token, 0, end), "header"));
        if (h.x5c() != null) {
            return h;
        }
        if (HEADERS.size() >= HEADER_CACHE_MAX) {
            HEADERS.clear();
        }
        HEADERS.put(ByteBuffer.wrap(Arrays.copyOf(token, end)), h); // own copy: the caller may reuse its array
        return h;
    }

    /** Whether the header of {@code token} (its bytes up to the first dot) is in the cache; for tests. */
    static boolean headerCached(byte[] token) {
        int dot = 0;
        while (dot < token.length && token[dot] != '.') {
            dot++;
        }
        return HEADERS.containsKey(ByteBuffer.wrap(token, 0, dot));
    }

    private static Header parseHeader(Map<String, Object> header) throws TokenRejectedException {
        Object alg = header.get("alg");
        if (!(alg instanceof String)) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg missing");
        }
        TokenAlgorithm algorithm = TokenAlgorithm.fromJose((String) alg);
        if (algorithm == null || "none".equals(((String) alg).toLowerCase(Locale.ROOT))) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "alg not supported");
        }
        if (header.containsKey("crit") || header.containsKey("b64")) {
            throw malformed("crit/b64 header not supported");
        }
        Object kid = header.get("kid");
        if (kid != null && !(kid instanceof String)) {
            throw malformed("kid must be a string");
        }
        if (kid != null && ((String) kid).length() > 256) {
            throw malformed("kid too long");
        }
        Object typ = header.get("typ");
        if (typ != null && !(typ instanceof String)) {
            throw malformed("typ must be a string");
        }
        return new Header(algorithm, kid == null || ((String) kid).isEmpty() ? null : (String) kid, header.get("x5c"),
                (String) typ);
    }

    static JwsParts parts(byte[] token, boolean kidRequired) throws TokenRejectedException {
        int dot1 = -1;
        int dot2 = -1;
        for (int i = 0; i < token.length; i++) {
            byte b = token[i];
            if (b == '.') {
                if (dot1 < 0) {
                    dot1 = i;
                } else if (dot2 < 0) {
                    dot2 = i;
                } else {
                    throw malformed("not a compact JWS (JWE or extra parts)");
                }
            } else if (!isBase64Url(b)) {
                throw malformed("invalid character");
            }
        }
        if (dot2 < 0 || dot1 == 0 || dot2 == dot1 + 1 || dot2 == token.length - 1) {
            throw malformed("not a compact JWS");
        }
        Header header = header(token, dot1);
        if (kidRequired && header.kid() == null) {
            throw new TokenRejectedException(RejectionReason.MISSING_KID, "kid required");
        }
        return new JwsParts(header.algorithm(), header.kid(), header.x5c(), dot2, base64(token, dot1 + 1, dot2),
                base64(token, dot2 + 1, token.length), header.typ());
    }

    /** An access token (a client assertion is read with {@link #parts} and {@link #decode(byte[], JwsParts)}). */
    static DecodedToken decode(byte[] token, boolean kidRequired) throws TokenRejectedException {
        JwsParts parts = parts(token, kidRequired);
        String typ = parts.typ() == null ? null : parts.typ().toLowerCase(Locale.ROOT);
        if (typ != null && NOT_ACCESS_TOKENS.contains(typ.startsWith("application/") ? typ.substring(12) : typ)) {
            throw malformed("typ " + typ + " is not an access token (RFC 9068 §4)");
        }
        return decode(token, parts);
    }

    /** The token whose {@link #parts} are {@code p}, with its claims read. */
    static DecodedToken decode(byte[] token, JwsParts p) throws TokenRejectedException {
        Map<String, Object> payload = json(p.payload(), "payload");
        for (Object v : payload.values()) {
            if (v instanceof Map) { // cnf, act: read nested objects only once no member in them is named twice
                noDuplicateMembers(p.payload());
                break;
            }
        }
        RawClaims claims = claims(payload);
        return new DecodedToken(TokenFormat.JWT, p.algorithm(), p.kid(), token, p.signedLength(), p.signature(), claims);
    }

    /**
     * Reads the claims from the parsed payload with strict types (a known claim of the wrong type is
     * MALFORMED). Done by hand rather than through {@code JWTClaimsSet.parse}: same checks, but that
     * copy and its Date conversions cost as much as the JSON parsing itself on every token.
     */
    /** Broker claim: the {@code jti}s a token was exchanged from, nearest first (see TokenExchangeService). */
    static final String PARENT_JTI = "parent_jti";
    /** Broker claim: the fleet CA that provisioned the token's device (withdrawing the CA revokes the token). */
    static final String FLEET_CA = "fleet_ca";

    private static RawClaims claims(Map<String, Object> p) throws TokenRejectedException {
        return new RawClaims(string(p, "iss"), string(p, "sub"), audience(p.get("aud")),
                date(p, "exp"), date(p, "nbf"), date(p, "iat"), string(p, "jti"), string(p, "tenant_id"),
                scope(p.get("scope")), geo(p.get("geo")), string(p, "region"),
                cnf(map(p, "cnf")), actor(map(p, "act")), string(p, "owner"), stringList(p.get(PARENT_JTI)),
                string(p, FLEET_CA));
    }

    private static String string(Map<String, Object> m, String name) throws TokenRejectedException {
        Object o = m.get(name);
        if (o == null || o instanceof String) {
            return (String) o;
        }
        throw malformed(name + " must be a string");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String name) throws TokenRejectedException {
        Object o = m.get(name);
        if (o == null || o instanceof Map) {
            return (Map<String, Object>) o;
        }
        throw malformed(name + " must be an object");
    }

    private static List<String> audience(Object aud) throws TokenRejectedException {
        if (aud instanceof String) {
            return List.of((String) aud);
        }
        return stringList(aud);
    }

    /** The {@code geo} cells; absent or null: none named (not region-restricted). */
    private static List<String> geo(Object o) throws TokenRejectedException {
        if (o instanceof List && ((List<?>) o).isEmpty()) {
            throw GeoClaims.noCells();
        }
        return stringList(o);
    }

    private static List<String> stringList(Object o) throws TokenRejectedException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List)) {
            throw malformed("expected an array of strings");
        }
        List<?> l = (List<?>) o;
        String[] out = new String[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof String)) {
                throw malformed("expected an array of strings");
            }
            out[i] = (String) l.get(i);
        }
        return List.of(out);
    }

    /** NumericDate: an integer or fractional number of seconds (fractions dropped), year 0..9999. */
    private static Instant date(Map<String, Object> m, String name) throws TokenRejectedException {
        Object o = m.get(name);
        if (o == null) {
            return null;
        }
        if (!(o instanceof Number)) {
            throw malformed(name + " must be a number");
        }
        double d = ((Number) o).doubleValue();
        if (Double.isNaN(d) || Math.abs(d) > MAX_SECONDS) {
            throw malformed(name + " out of range");
        }
        long seconds = (o instanceof Long || o instanceof Integer) ? ((Number) o).longValue() : (long) Math.floor(d);
        return Instant.ofEpochSecond(seconds);
    }

    static Set<String> scope(Object scope) throws TokenRejectedException {
        Set<String> out = new LinkedHashSet<>();
        if (scope == null) {
            return out;
        }
        if (scope instanceof String) {
            for (String s : ((String) scope).split(" ")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
            return out;
        }
        if (scope instanceof List) {
            for (Object o : (List<?>) scope) {
                if (!(o instanceof String)) {
                    throw malformed("scope entries must be strings");
                }
                out.add((String) o);
            }
            return out;
        }
        throw malformed("scope must be a string");
    }

    /**
     * The {@code cnf} claim. Only {@code x5t#S256} and {@code jkt} are checked by the broker ({@code jwk} as its
     * thumbprint), so a {@code cnf} with any other member ({@code kid}, {@code jku}, {@code jwe}, ...) or with none is
     * refused: read as the members we know, it would leave a token its issuer bound to a key as a bearer token here
     * (tour J, J1, J7).
     */
    private static Confirmation cnf(Map<String, Object> cnf) throws TokenRejectedException {
        if (cnf == null) {
            return Confirmation.NONE;
        }
        for (String member : cnf.keySet()) {
            if (!"x5t#S256".equals(member) && !"jkt".equals(member) && !"jwk".equals(member)) {
                throw Confirmation.unchecked();
            }
        }
        Object x5t = cnf.get("x5t#S256");
        Object jkt = cnf.get("jkt");
        if ((x5t != null && !(x5t instanceof String)) || (jkt != null && !(jkt instanceof String))) {
            throw malformed("cnf members must be strings");
        }
        Object jwk = cnf.get("jwk"); // checked as its thumbprint, as jkt is (tour J, J7)
        Confirmation c = new Confirmation((String) x5t,
                CnfKeys.jkt((String) jkt, jwk == null ? null : CnfKeys.thumbprintOfJwk(jwk)));
        if (c.isEmpty()) {
            throw Confirmation.unchecked();
        }
        return c;
    }

    private static String actor(Map<String, Object> act) throws TokenRejectedException {
        if (act == null) {
            return null;
        }
        Object sub = act.get("sub");
        if (sub != null && !(sub instanceof String)) {
            throw malformed("act.sub must be a string");
        }
        return (String) sub;
    }

    /** Jackson's streaming reader, for {@link #noDuplicateMembers} only: it refuses a member named twice, at any depth. */
    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * Refuses a payload that names a member twice in a nested object. Nimbus's parser refuses a duplicate at the top level
     * but keeps the last one inside an object, so {@code "cnf": {"jkt": A, "jkt": B}} read as B here while another reader
     * of the same signed bytes may take A; the broker's JSON bodies refuse a duplicate at any depth for that reason
     * (docs/contract.md), and tokens now do too (tour J, J2). A second pass, run only when there is a nested object.
     */
    private static void noDuplicateMembers(byte[] json) throws TokenRejectedException {
        try (JsonParser parser = STRICT.createParser(json)) {
            while (parser.nextToken() != null) {
                // each token read is checked; nothing to keep
            }
        } catch (java.io.IOException e) {
            throw malformed(e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
                    ? "payload names a member twice" : "payload is not a JSON object");
        }
    }

    private static Map<String, Object> json(byte[] bytes, String what) throws TokenRejectedException {
        if (!CborStrict.validUtf8(bytes, 0, bytes.length)) {
            // RFC 7515/7519: the header and the claims are UTF-8; new String would turn bad bytes into U+FFFD, so two
            // signed byte strings could read as one iss or sub here and apart elsewhere (tour J, J5)
            throw malformed(what + " is not UTF-8");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException e) {
            throw malformed(what + " is not a JSON object");
        }
    }

    private static byte[] base64(byte[] token, int from, int to) throws TokenRejectedException {
        if ((to - from) % 4 == 1) {
            throw malformed("truncated base64url");
        }
        try {
            java.nio.ByteBuffer out = B64.decode(java.nio.ByteBuffer.wrap(token, from, to - from));
            byte[] arr = out.array();
            return out.remaining() == arr.length && out.arrayOffset() == 0
                    ? arr : java.util.Arrays.copyOfRange(arr, out.arrayOffset() + out.position(), out.arrayOffset() + out.limit());
        } catch (IllegalArgumentException e) {
            throw malformed("invalid base64url");
        }
    }

    private static boolean isBase64Url(byte b) {
        return b >= 0 && BASE64URL[b];
    }


    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(RejectionReason.MALFORMED, detail);
    }
}
