package io.edgeauth.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.crypto.ECKeyPair;

/** Messages built and signed here with web3j keys; every refusal has its own reason. */
class SiweVerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final ECKeyPair key = TestSupport.key(1);
    private final String address = TestSupport.address(key);
    private InMemoryNonceStore nonces;
    private SiweConfig config;

    static java.util.List<SignatureRecovery> recoveries() {
        return SiweVerificationVectorTest.recoveries();
    }

    @BeforeEach
    void setUp() {
        nonces = new InMemoryNonceStore(clock);
        config = SiweConfig.builder()
                .allowDomain("app.example.com")
                .allowChainId(1).allowChainId(137)
                .leeway(Duration.ofSeconds(30))
                .clock(clock)
                .build();
    }

    private SiweVerifier verifier(SignatureRecovery r) {
        return new SiweVerifier(config, nonces, r, null);
    }

    private SiweMessage.Builder message(String nonce) {
        return SiweMessage.builder()
                .domain("app.example.com").address(address)
                .statement("Sign in to the edgeauth console")
                .uri("https://app.example.com/login").chainId(1).nonce(nonce)
                .issuedAt(NOW.minusSeconds(5)).expirationTime(NOW.plusSeconds(300));
    }

    private static String signed(SiweMessage m, ECKeyPair k) {
        return TestSupport.hex(TestSupport.sign(m.toMessageString(), k));
    }

    private void assertRefused(SiweVerifier v, String text, String sig, SiweErrorCode code) {
        assertThatThrownBy(() -> v.verify(text, sig))
                .isInstanceOfSatisfying(SiweException.class, e -> assertThat(e.code()).as(e.toString()).isEqualTo(code));
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void validLoginIsAccepted(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        String nonce = v.issueNonce();
        SiweMessage m = message(nonce).build();
        VerifiedLogin login = v.verify(m.toMessageString(), signed(m, key));
        assertThat(login.address()).isEqualTo(address);
        assertThat(login.chainId()).isEqualTo(1);
        assertThat(login.did()).isEqualTo("did:pkh:eip155:1:" + address);
        assertThat(login.expiresAt()).contains(NOW.plusSeconds(300));
        assertThat(login.message()).isEqualTo(m);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void recoveryByteZeroOrOneIsAccepted(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(v.issueNonce()).build();
        byte[] sig = TestSupport.sign(m.toMessageString(), key);
        sig[64] -= 27;
        assertThat(v.verify(m.toMessageString(), TestSupport.hex(sig)).address()).isEqualTo(address);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void wrongDomain(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).domain("evil.example.com").build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.DOMAIN_NOT_ALLOWED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void wrongUri(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).uri("https://evil.example.com/login").build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.URI_NOT_ALLOWED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void wrongScheme(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).scheme("http").build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.SCHEME_NOT_ALLOWED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void wrongChain(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).chainId(5).build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.CHAIN_NOT_ALLOWED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void expiredBeyondLeeway(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(nonces.issue(Duration.ofHours(1))).build();
        String sig = signed(m, key);
        clock.set(NOW.plusSeconds(300 + 29)); // inside the 30 s leeway: still fine
        assertThat(v.verify(m.toMessageString(), sig).address()).isEqualTo(address);
        SiweMessage m2 = message(nonces.issue(Duration.ofHours(1))).build();
        clock.set(NOW.plusSeconds(300 + 30));
        assertRefused(v, m2.toMessageString(), signed(m2, key), SiweErrorCode.EXPIRED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void notYetValid(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).notBefore(NOW.plusSeconds(60)).build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.NOT_YET_VALID);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void maxAgeBoundsIssuedAt(SignatureRecovery r) throws Exception {
        config = SiweConfig.builder().allowDomain("app.example.com").allowChainId(1).clock(clock)
                .maxAge(Duration.ofMinutes(10)).build();
        SiweMessage old = message(nonces.issue(Duration.ofHours(1))).issuedAt(NOW.minus(Duration.ofHours(1)))
                .expirationTime((String) null).build();
        assertRefused(verifier(r), old.toMessageString(), signed(old, key), SiweErrorCode.ISSUED_AT_OUT_OF_RANGE);
        SiweMessage future = message(nonces.issue(Duration.ofHours(1))).issuedAt(NOW.plusSeconds(120)).build();
        assertRefused(verifier(r), future.toMessageString(), signed(future, key), SiweErrorCode.ISSUED_AT_OUT_OF_RANGE);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void reusedNonce(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(v.issueNonce()).build();
        String sig = signed(m, key);
        v.verify(m.toMessageString(), sig);
        assertRefused(v, m.toMessageString(), sig, SiweErrorCode.NONCE_REUSED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void unknownNonce(SignatureRecovery r) throws Exception {
        SiweMessage m = message("neverIssued123").build();
        assertRefused(verifier(r), m.toMessageString(), signed(m, key), SiweErrorCode.NONCE_UNKNOWN);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void expiredNonce(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(v.issueNonce()).build();
        clock.set(NOW.plus(config.nonceTtl()).plusSeconds(1));
        SiweMessage late = m.toBuilder().expirationTime(NOW.plus(Duration.ofHours(1))).build();
        assertRefused(v, late.toMessageString(), signed(late, key), SiweErrorCode.NONCE_EXPIRED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void failedLoginDoesNotBurnTheNonce(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(v.issueNonce()).build();
        assertRefused(v, m.toMessageString(), signed(m, TestSupport.key(2)), SiweErrorCode.SIGNATURE_MISMATCH);
        assertThat(v.verify(m.toMessageString(), signed(m, key)).address()).isEqualTo(address);
    }

    /**
     * Tour I, I10: a failed login keeps its nonce (above), but only for a few failures: one nonce drove failed
     * signature checks, each a recovery and for a contract wallet one or two JSON-RPC calls, for its whole life.
     */
    @ParameterizedTest
    @MethodSource("recoveries")
    void aNonceIsSpentAfterItsFailedSignatures(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(v.issueNonce()).build();
        String forged = signed(m, TestSupport.key(2));
        for (int i = 1; i < SiweVerifier.MAX_FAILED_SIGNATURES; i++) {
            assertRefused(v, m.toMessageString(), forged, SiweErrorCode.SIGNATURE_MISMATCH);
        }
        assertThatThrownBy(() -> v.verify(m.toMessageString(), forged)).isInstanceOfSatisfying(SiweException.class,
                e -> assertThat(e.getMessage()).contains("the nonce is spent after 5 failed signatures"));
        assertRefused(v, m.toMessageString(), signed(m, key), SiweErrorCode.NONCE_REUSED);
        // one failure fewer leaves it usable
        SiweMessage next = message(v.issueNonce()).build();
        for (int i = 1; i < SiweVerifier.MAX_FAILED_SIGNATURES; i++) {
            assertRefused(v, next.toMessageString(), signed(next, TestSupport.key(2)), SiweErrorCode.SIGNATURE_MISMATCH);
        }
        assertThat(v.verify(next.toMessageString(), signed(next, key)).address()).isEqualTo(address);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void badChecksumAddress(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).build();
        String lower = m.toMessageString().replace(address, address.toLowerCase());
        String flipped = m.toMessageString().replace(address, flipCase(address));
        String sig = signed(m, key);
        assertRefused(verifier(r), lower, TestSupport.hex(TestSupport.sign(lower, key)), SiweErrorCode.ADDRESS_NOT_CHECKSUMMED);
        assertRefused(verifier(r), flipped, sig, SiweErrorCode.ADDRESS_NOT_CHECKSUMMED);
        assertThatThrownBy(() -> message("abcdefgh1").address(address.toLowerCase()).build())
                .isInstanceOfSatisfying(SiweException.class,
                        e -> assertThat(e.getMessage()).contains("EIP-55").contains(address));
    }

    private static String flipCase(String a) {
        StringBuilder b = new StringBuilder("0x");
        boolean done = false;
        for (char c : a.substring(2).toCharArray()) {
            if (!done && Character.isLetter(c)) {
                b.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                done = true;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void highSSignature(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).build();
        byte[] sig = TestSupport.sign(m.toMessageString(), key);
        byte[] high = TestSupport.highS(sig);
        // the high-s twin is mathematically valid for the same key: refusing it is a policy (EIP-2)
        byte[] hash = io.edgeauth.wallet.internal.Eip191.personalMessageHash(m.toMessageString());
        assertThat(r.recoverAddress(hash, java.util.Arrays.copyOf(high, 64), high[64] - 27))
                .isEqualTo(org.web3j.utils.Numeric.hexStringToByteArray(address));
        assertRefused(verifier(r), m.toMessageString(), TestSupport.hex(high), SiweErrorCode.SIGNATURE_HIGH_S);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void signatureOfAnotherMessage(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).build();
        SiweMessage other = m.toBuilder().statement("Something else").build();
        assertThatThrownBy(() -> verifier(r).verify(m.toMessageString(), signed(other, key)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.SIGNATURE_MISMATCH);
                    assertThat(e.getMessage()).contains("no EIP-1271 JSON-RPC endpoint configured");
                });
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void malformedSignatures(SignatureRecovery r) throws Exception {
        SiweVerifier v = verifier(r);
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).build();
        String text = m.toMessageString();
        byte[] sig = TestSupport.sign(text, key);
        assertRefused(v, text, TestSupport.hex(java.util.Arrays.copyOf(sig, 64)), SiweErrorCode.SIGNATURE_MALFORMED);
        assertRefused(v, text, TestSupport.hex(java.util.Arrays.copyOf(sig, 66)), SiweErrorCode.SIGNATURE_MALFORMED);
        assertRefused(v, text, "0xzz", SiweErrorCode.SIGNATURE_MALFORMED);
        assertRefused(v, text, "", SiweErrorCode.SIGNATURE_MALFORMED);
        assertRefused(v, text, null, SiweErrorCode.SIGNATURE_MALFORMED);
        assertRefused(v, text, "0x" + "00".repeat(5000), SiweErrorCode.SIGNATURE_MALFORMED);
        byte[] badV = sig.clone();
        badV[64] = 37; // EIP-155 style v is not used by personal_sign
        assertRefused(v, text, TestSupport.hex(badV), SiweErrorCode.SIGNATURE_MALFORMED);
        byte[] zeroR = sig.clone();
        java.util.Arrays.fill(zeroR, 0, 32, (byte) 0);
        assertRefused(v, text, TestSupport.hex(zeroR), SiweErrorCode.SIGNATURE_MALFORMED);
        byte[] bigR = sig.clone();
        java.util.Arrays.fill(bigR, 0, 32, (byte) 0xff);
        assertRefused(v, text, TestSupport.hex(bigR), SiweErrorCode.SIGNATURE_MALFORMED);
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void sixtyFourKibMessage(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).build();
        String huge = m.toMessageString() + "\nResources:\n- https://a.example/" + "x".repeat(64 * 1024);
        assertThatThrownBy(() -> verifier(r).verify(huge, signed(m, key)))
                .isInstanceOfSatisfying(SiweException.class, e -> {
                    assertThat(e.code()).isEqualTo(SiweErrorCode.MESSAGE_TOO_LARGE);
                    assertThat(e.getMessage()).contains("the limit is 8192");
                });
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void verifyParsedMessageDirectly(SignatureRecovery r) throws Exception {
        SiweMessage m = message(nonces.issue(Duration.ofMinutes(1))).chainId(137).build();
        VerifiedLogin login = verifier(r).verify(m, TestSupport.sign(m.toMessageString(), key));
        assertThat(login.did()).isEqualTo("did:pkh:eip155:137:" + address);
    }

    @org.junit.jupiter.api.Test
    void configRefusesUnboundedLeewayAndEmptyPolicies() {
        assertThatThrownBy(() -> SiweConfig.builder().allowDomain("a.example").allowChainId(1)
                .leeway(Duration.ofMinutes(5)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leeway");
        assertThatThrownBy(() -> SiweConfig.builder().allowChainId(1).build())
                .hasMessageContaining("domain");
        assertThatThrownBy(() -> SiweConfig.builder().allowDomain("a.example").build())
                .hasMessageContaining("chain");
        SiweConfig c = SiweConfig.builder().allowDomain("A.Example:8443").allowChainId(1).build();
        assertThat(c.origins()).containsExactly("https://a.example:8443");
    }

    @org.junit.jupiter.api.Test
    void originOfUri() {
        assertThat(SiweVerifier.origin("https://User@App.Example.com:8443/x?y#z")).isEqualTo("https://app.example.com:8443");
        assertThat(SiweVerifier.origin("https://[::1]/login")).isEqualTo("https://[::1]");
        assertThat(SiweVerifier.origin("urn:isbn:123")).isNull();
    }

    /** A clock the test can move. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void set(Instant t) {
            now.set(t);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
