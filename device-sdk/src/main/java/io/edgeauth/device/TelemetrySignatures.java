package io.edgeauth.device;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import io.edgeauth.device.internal.Ed25519Support;
import io.edgeauth.device.internal.MqttTransport;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.text.ParseException;
import java.util.Objects;
import java.util.Set;

/**
 * End-to-end telemetry signatures: the device signs each payload with its own key as a detached JWS
 * with an unencoded payload (RFC 7797: header {@code {"alg", "b64": false, "crit": ["b64"], "kid"}}),
 * sent beside the message (MQTT 5 user property {@value #USER_PROPERTY}, CoAP Uri-Query
 * {@code sig=<signature>}: an ES256 or EdDSA signature fits the 255-byte option). The broker checks it with the key registered for the device when the tenant
 * requires signed telemetry, and forwards it unchanged so a subscriber can check it with the device's
 * public key too ({@link #verify}). Thread-safe.
 */
public final class TelemetrySignatures {
    /** The MQTT 5 user property carrying the signature. */
    public static final String USER_PROPERTY = MqttTransport.SIGNATURE_PROPERTY;
    /** The CoAP Uri-Query parameter carrying the signature ({@code sig=...}). */
    public static final String COAP_QUERY = "sig";

    private TelemetrySignatures() {
    }

    /** Signs {@code payload} with the device's key: {@code BASE64URL(header)..BASE64URL(signature)}. */
    public static String sign(DeviceIdentity identity, byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        JWSHeader header = new JWSHeader.Builder(identity.algorithm()).base64URLEncodePayload(false)
                .criticalParams(Set.of("b64")).keyID(identity.thumbprint()).build();
        JWSObject jws = new JWSObject(header, new Payload(payload));
        try {
            jws.sign(identity.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the payload", e);
        }
        return jws.serialize(true);
    }

    /**
     * Checks a signature made by {@link #sign} over {@code payload} with the device's public key (as
     * registered: a P-256 or Ed25519 JWK): what a subscriber does with what the broker forwarded.
     * False for anything that is not a detached, unencoded-payload JWS signed by that key.
     */
    public static boolean verify(String signature, byte[] payload, JWK devicePublicKey) {
        try {
            JWSObject jws = JWSObject.parse(signature, new Payload(payload));
            JWSHeader h = jws.getHeader();
            if (h.isBase64URLEncodePayload() || h.getCriticalParams() == null || !h.getCriticalParams().contains("b64")) {
                return false;
            }
            String jca;
            PublicKey key;
            if (devicePublicKey instanceof ECKey ec && JWSAlgorithm.ES256.equals(h.getAlgorithm())
                    && Curve.P_256.equals(ec.getCurve())) {
                jca = "SHA256withECDSAinP1363Format";
                key = ec.toECPublicKey();
            } else if (devicePublicKey instanceof OctetKeyPair okp && JWSAlgorithm.EdDSA.equals(h.getAlgorithm())) {
                jca = "Ed25519";
                key = Ed25519Support.publicKey(okp);
            } else {
                return false;
            }
            byte[] head = jws.getHeader().toBase64URL().toString().getBytes(StandardCharsets.US_ASCII);
            Signature engine = Signature.getInstance(jca);
            engine.initVerify(key);
            engine.update(head);
            engine.update((byte) '.');
            engine.update(payload);
            return engine.verify(jws.getSignature().decode());
        } catch (ParseException | JOSEException | GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
