package io.edgeauth.broker.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.ParseException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checkpoint JWS: compact, {@code typ} {@value #TYPE}, signed by a tenant's active signing key (kid in the header)
 * over {@code {"node","seq","head","ts"}}; checked against a JWKS (what {@code /.well-known/jwks.json} serves).
 * Stateless and thread-safe.
 */
public final class JwsCheckpoints {
    /** The checkpoint's JOSE {@code typ}: a token verifier never takes it for an access token. */
    public static final String TYPE = "edgeauth-audit-checkpoint";

    /** What a checkpoint's signature check found. */
    public enum Check { VALID, INVALID, UNKNOWN_KEY }

    /** A checked checkpoint: the outcome, the kid and the signed payload (null if unparseable). */
    public record Verified(Check check, String kid, JsonNode payload) {
    }

    private JwsCheckpoints() {
    }

    /** Signs with whatever key {@code activeKey} names at the time (a rotation takes effect at the next checkpoint). */
    public static CheckpointSigner signer(Supplier<SigningKey> activeKey, Signatures signatures) {
        return payload -> {
            SigningKey key = activeKey.get();
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.parse(key.algorithm().joseName()))
                    .keyID(key.kid()).type(new JOSEObjectType(TYPE)).build();
            String signingInput = header.toBase64URL() + "." + Base64URL.encode(payload.getBytes(StandardCharsets.UTF_8));
            byte[] signature = key.sign(signatures, signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64URL.encode(signature);
        };
    }

    /**
     * Checks {@code jws} against {@code jwks}: VALID when a key of the header's kid verifies it with the header's
     * algorithm (which must fit the key), UNKNOWN_KEY when the JWKS has no such kid, INVALID otherwise (also for
     * anything unparseable or of another {@code typ}).
     */
    public static Verified verify(String jws, JWKSet jwks, Signatures signatures) {
        JWSObject object;
        JsonNode payload;
        try {
            object = JWSObject.parse(jws);
            payload = AuditLine.JSON.readTree(object.getPayload().toString());
        } catch (ParseException | java.io.IOException | RuntimeException e) {
            return new Verified(Check.INVALID, null, null);
        }
        JWSHeader header = object.getHeader();
        String kid = header.getKeyID();
        if (header.getType() == null || !TYPE.equals(header.getType().getType()) || !payload.isObject()) {
            return new Verified(Check.INVALID, kid, payload);
        }
        if (jwks == null) {
            return new Verified(Check.UNKNOWN_KEY, kid, payload);
        }
        JWK jwk = kid == null ? null : jwks.getKeyByKeyId(kid);
        if (jwk == null) {
            return new Verified(Check.UNKNOWN_KEY, kid, payload);
        }
        TokenAlgorithm alg = TokenAlgorithm.fromJose(header.getAlgorithm().getName());
        try {
            byte[] input = object.getSigningInput();
            boolean ok = alg != null && !alg.isMac() && signatures.verify(alg, JwkKeys.publicKey(jwk), input, input.length,
                    object.getSignature().decode());
            return new Verified(ok ? Check.VALID : Check.INVALID, kid, payload);
        } catch (GeneralSecurityException | RuntimeException e) {
            return new Verified(Check.INVALID, kid, payload);
        }
    }

    /** The payload's text field, or empty. */
    static Optional<String> text(JsonNode payload, String field) {
        JsonNode n = payload == null ? null : payload.get(field);
        return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
    }
}
