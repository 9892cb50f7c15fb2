package io.edgeauth.broker.token;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * For claim tests: the tenant {@code acme}'s ES256 key in a data directory, a verifier of its tokens, and its CWTs
 * signed with that key (claims {@code iss}, {@code sub} dev-1, {@code aud}, {@code exp} in 5 minutes, {@code iat}).
 */
final class AcmeIssuer {
    static final String AUD = "mqtt://broker.example";
    static final String ISS = "https://broker.example/acme";

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    final Signatures sig = new Signatures(CryptoProviders.jdk());
    final SigningKeyStore store;
    final BrokerTokenVerifier verifier;

    AcmeIssuer(Path data) throws Exception {
        store = SigningKeyStore.open(data, List.of(new TenantKeySettings("acme", ISS, TokenAlgorithm.ES256, null)),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        verifier = new BrokerTokenVerifier(store, TokenPolicy.builder().audience(AUD).build(), sig, clock);
    }

    /** The key id tokens name. */
    String kid() {
        return store.activeKey("acme").kid();
    }

    /** A COSE_Sign1 CWT (tag 18) of the standard claims and, unless {@code value} is null, {@code key}: {@code value}. */
    byte[] cwt(Object key, CBORObject value) throws Exception {
        long now = clock.instant().getEpochSecond();
        CBORObject claims = CBORObject.NewMap().Add(1, ISS).Add(2, "dev-1").Add(3, AUD).Add(4, now + 300).Add(6, now);
        if (value != null) {
            claims.Add(CBORObject.FromObject(key), value);
        }
        byte[] protBytes = CBORObject.NewMap().Add(1, -7).Add(4, kid().getBytes(StandardCharsets.US_ASCII)).EncodeToBytes();
        byte[] payload = claims.EncodeToBytes();
        CBORObject toSign = CBORObject.NewArray().Add("Signature1").Add(protBytes).Add(new byte[0]).Add(payload);
        byte[] signature = sig.sign(TokenAlgorithm.ES256, store.activeKey("acme").privateKey(), toSign.EncodeToBytes());
        return CBORObject.FromObjectAndTag(CBORObject.NewArray().Add(protBytes).Add(CBORObject.NewMap()).Add(payload)
                .Add(signature), 18).EncodeToBytes();
    }
}
