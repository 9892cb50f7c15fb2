package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What the enrollment front reads from a client assertion before choosing how to verify it: the
 * {@code alg}, the certificate chain in {@code x5c} (RFC 7515 §4.1.6: standard base64 DER, leaf first)
 * and the claimed client id ({@code iss}). Nothing read here is trusted: the chain is validated against
 * a fleet CA and the signature checked by {@link io.edgeauth.broker.token.ClientAssertionVerifier}.
 */
record AssertionHeader(String alg, String kid, List<X509Certificate> x5c, String issuer) {
    static final int MAX_CHAIN = 5;
    static final int MAX_BYTES = 16 * 1024;

    /**
     * The header, or empty for an assertion too broken to read (the assertion verifier then refuses it
     * with its precise reason).
     *
     * @throws TokenRejectedException MALFORMED for an {@code x5c} that is not a list of certificates
     */
    static java.util.Optional<AssertionHeader> parse(String assertion) throws TokenRejectedException {
        if (assertion == null || assertion.length() > MAX_BYTES) {
            return java.util.Optional.empty();
        }
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            return java.util.Optional.empty();
        }
        JsonObject header;
        JsonObject payload;
        try {
            header = json(parts[0]);
            payload = json(parts[1]);
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            return java.util.Optional.empty();
        }
        try {
            String alg = header.getValue("alg") instanceof String a ? a : null;
            String iss = payload.getValue("iss") instanceof String i ? i : null;
            List<X509Certificate> chain = List.of();
            Object x5c = header.getValue("x5c");
            if (x5c != null) {
                if (!(x5c instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_CHAIN) {
                    throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: expected 1 to " + MAX_CHAIN
                            + " base64 DER certificates, leaf first");
                }
                chain = new ArrayList<>();
                for (Object der : array) {
                    if (!(der instanceof String text)) {
                        throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: entries must be strings");
                    }
                    chain.add(FleetCas.certificate(Base64.getDecoder().decode(text)));
                }
            }
            return java.util.Optional.of(new AssertionHeader(alg, header.getValue("kid") instanceof String k ? k : null, chain, iss));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: not base64 DER X.509 certificates");
        }
    }

    private static JsonObject json(String base64url) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(base64url), StandardCharsets.UTF_8));
    }
}
