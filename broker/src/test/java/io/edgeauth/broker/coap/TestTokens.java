package io.edgeauth.broker.coap;

import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A stand-in for the real CWT verifier (built in the token package): a "token" is an unsigned CBOR map of
 * claims. Enough to drive the edge and the real {@link io.edgeauth.broker.auth.DefaultAuthPipeline}.
 */
final class TestTokens implements TokenVerifier {
    static final String ISS = "https://broker.test";

    private final Clock clock;

    TestTokens(Clock clock) {
        this.clock = clock;
    }

    /** Builder of test tokens. */
    static final class Builder {
        private final CBORObject map = CBORObject.NewMap();

        Builder(String sub, Instant exp) {
            map.Add("sub", sub).Add("iss", ISS).Add("exp", exp.getEpochSecond())
                    .Add("iat", exp.getEpochSecond() - 600).Add("jti", UUID.randomUUID().toString())
                    .Add("kid", "k1");
        }

        Builder jti(String jti) {
            map.set("jti", CBORObject.FromObject(jti));
            return this;
        }

        Builder iat(Instant iat) {
            map.set("iat", CBORObject.FromObject(iat.getEpochSecond()));
            return this;
        }

        Builder jkt(String jkt) {
            map.Add("jkt", jkt);
            return this;
        }

        Builder x5t(String x5t) {
            map.Add("x5t", x5t);
            return this;
        }

        Builder geo(String... cells) {
            CBORObject a = CBORObject.NewArray();
            for (String c : cells) {
                a.Add(c);
            }
            map.Add("geo", a);
            return this;
        }

        Builder scope(String scope) {
            map.Add("scope", scope);
            return this;
        }

        byte[] bytes() {
            return map.EncodeToBytes();
        }
    }

    static Builder token(String sub, Instant exp) {
        return new Builder(sub, exp);
    }

    @Override
    public VerifiedToken verify(byte[] token) throws TokenRejectedException {
        if (token.length > 8192) {
            throw new TokenRejectedException(RejectionReason.OVERSIZED, "too big");
        }
        CBORObject m;
        try {
            m = CBORObject.DecodeFromBytes(token);
        } catch (CBORException | IllegalArgumentException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "not CBOR");
        }
        if (m.getType() != CBORType.Map || m.get("sub") == null || m.get("exp") == null) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "not a claims map");
        }
        Instant exp = Instant.ofEpochSecond(m.get("exp").AsInt64Value());
        if (!clock.instant().isBefore(exp)) {
            throw new TokenRejectedException(RejectionReason.EXPIRED, "token expired");
        }
        List<String> geo = new ArrayList<>();
        if (m.get("geo") != null) {
            for (CBORObject c : m.get("geo").getValues()) {
                geo.add(c.AsString());
            }
        }
        Set<String> scope = m.get("scope") == null ? Set.of() : Set.of(m.get("scope").AsString().split(" "));
        return new VerifiedToken(TokenFormat.CWT, m.get("iss").AsString(), m.get("sub").AsString(), List.of("edgeauth"),
                Instant.ofEpochSecond(m.get("iat").AsInt64Value()), null, exp, m.get("jti").AsString(),
                m.get("kid").AsString(), null, scope, geo, null,
                new Confirmation(m.get("x5t") == null ? null : m.get("x5t").AsString(),
                        m.get("jkt") == null ? null : m.get("jkt").AsString()),
                null, null, "fp-" + Integer.toHexString(m.get("jti").AsString().hashCode()));
    }
}
