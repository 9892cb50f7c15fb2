package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The certificate chain a client assertion carries in its {@code x5c} header (RFC 7515 §4.1.6: standard base64
 * DER, leaf first), as {@link io.edgeauth.broker.token.DecodedAssertion#x5c} read it. Nothing read here is
 * trusted: the chain is validated against a fleet CA and the signature checked by
 * {@link io.edgeauth.broker.token.ClientAssertionVerifier}.
 */
final class AssertionChain {
    static final int MAX_CHAIN = 5;

    private AssertionChain() {
    }

    /**
     * The certificates, leaf first; empty when the assertion has no {@code x5c}.
     *
     * @throws TokenRejectedException MALFORMED for an {@code x5c} that is not a list of 1 to 5 certificates
     */
    static List<X509Certificate> certificates(Object x5c) throws TokenRejectedException {
        if (x5c == null) {
            return List.of();
        }
        if (!(x5c instanceof List<?> array) || array.isEmpty() || array.size() > MAX_CHAIN) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: expected 1 to " + MAX_CHAIN
                    + " base64 DER certificates, leaf first");
        }
        List<X509Certificate> chain = new ArrayList<>(array.size());
        try {
            for (Object der : array) {
                if (!(der instanceof String text)) {
                    throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: entries must be strings");
                }
                chain.add(FleetCas.certificate(Base64.getDecoder().decode(text)));
            }
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "x5c: not base64 DER X.509 certificates");
        }
        return chain;
    }
}
