package io.edgeauth.device.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM private keys and certificates with the JDK alone: Nimbus's {@code JWK.parseFromPEMEncodedObjects} needs
 * BouncyCastle's PKIX jar, which would double the size of a device's dependencies for a one-time load. Reads PKCS#8
 * ({@code PRIVATE KEY}: EC or Ed25519) and OpenSSL's SEC1 ({@code EC PRIVATE KEY}, wrapped into PKCS#8 here, which
 * the JDK reads); not encrypted keys. Not part of the API. Stateless and thread-safe.
 */
public final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** AlgorithmIdentifier {id-ecPublicKey, prime256v1}: what a SEC1 P-256 key becomes in PKCS#8. */
    private static final byte[] EC_P256_ALGORITHM = {0x30, 0x13, 0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce,
        0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};

    private PemKeys() {
    }

    /**
     * The first private key in {@code pem}.
     *
     * @throws IllegalArgumentException no unencrypted {@code PRIVATE KEY} / {@code EC PRIVATE KEY} block, or not an
     *                                  EC or Ed25519 key
     */
    public static PrivateKey privateKey(String pem) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED")) {
                throw new IllegalArgumentException("the private key is encrypted: decrypt it first"
                        + " (openssl pkcs8 -topk8 -nocrypt -in key.pem)");
            }
            if (type.equals("PRIVATE KEY")) {
                return pkcs8(der(m));
            }
            if (type.equals("EC PRIVATE KEY")) {
                return pkcs8(sequence(concat(new byte[] {0x02, 0x01, 0x00}, EC_P256_ALGORITHM, element(0x04, der(m)))));
            }
        }
        throw new IllegalArgumentException("no PEM PRIVATE KEY or EC PRIVATE KEY block found");
    }

    /**
     * The certificates in {@code pem}, in their order (a chain file: leaf first).
     *
     * @throws IllegalArgumentException none, or one that does not parse
     */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(pem);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der(m))));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PEM CERTIFICATE block found");
        }
        return List.copyOf(out);
    }

    /** True if {@code key} signs what {@code publicKey} verifies: the pair a certificate vouches for. */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "Ed25519";
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            Signature v = Signature.getInstance(alg);
            v.initVerify(publicKey);
            v.update(challenge);
            return v.verify(s.sign());
        } catch (GeneralSecurityException e) {
            return false; // another algorithm or curve: not its pair
        }
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String alg : new String[] {"EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IllegalArgumentException("the private key is neither EC nor Ed25519 PKCS#8");
    }

    private static byte[] der(Matcher m) {
        try {
            return Base64.getMimeDecoder().decode(m.group(2).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad base64 in the PEM " + m.group(1) + " block", e);
        }
    }

    private static byte[] sequence(byte[] content) {
        return element(0x30, content);
    }

    /** A DER element: tag, definite length (short or long form), content. */
    private static byte[] element(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 4);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
