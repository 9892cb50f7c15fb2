package io.edgeauth.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetIdentitiesTest {
    private final FleetIdentities fleet = new FleetIdentities("seed-1", "sim", DeviceIdentity.KeyType.EC_P256);

    @Test
    void sameSeedAndIndexGiveTheSameIdentityAnywhere() {
        DeviceIdentity a = fleet.identity(42);
        DeviceIdentity b = new FleetIdentities("seed-1", "sim", DeviceIdentity.KeyType.EC_P256).identity(42);
        assertThat(a.deviceId()).isEqualTo("sim-42");
        assertThat(a.thumbprint()).isEqualTo(b.thumbprint());
        assertThat(fleet.psk(42)).isEqualTo(new FleetIdentities("seed-1", "sim", DeviceIdentity.KeyType.EC_P256).psk(42)).hasSize(32);
    }

    @Test
    void differentIndexSeedOrPrefixGiveDifferentKeys() {
        Set<String> kids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            kids.add(fleet.identity(i).thumbprint());
        }
        kids.add(new FleetIdentities("seed-2", "sim", DeviceIdentity.KeyType.EC_P256).identity(0).thumbprint());
        kids.add(new FleetIdentities("seed-1", "other", DeviceIdentity.KeyType.EC_P256).identity(0).thumbprint());
        assertThat(kids).hasSize(202);
    }

    @Test
    void derivedP256KeysSignAssertionsThatTheirPublicKeyVerifies() throws Exception {
        DeviceIdentity id = fleet.identity(7);
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience("http://b/oauth/token").build().create());
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) id.publicJwk()))).isTrue();
        assertThat(((ECKey) id.publicJwk()).toECPublicKey()).isNotNull(); // the point is on the curve
    }

    @Test
    void derivedEd25519KeysSignAssertionsThatTheirPublicKeyVerifies() throws Exception {
        DeviceIdentity id = new FleetIdentities("seed-1", "sim", DeviceIdentity.KeyType.ED25519).identity(7);
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience("http://b/oauth/token").build().create());
        // nimbus's Ed25519Verifier needs Tink: verify with BouncyCastle instead
        org.bouncycastle.crypto.signers.Ed25519Signer v = new org.bouncycastle.crypto.signers.Ed25519Signer();
        v.init(false, new org.bouncycastle.crypto.params.Ed25519PublicKeyParameters(((OctetKeyPair) id.publicJwk()).getX().decode(), 0));
        byte[] input = jwt.getSigningInput();
        v.update(input, 0, input.length);
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
        assertThat(v.verifySignature(jwt.getSignature().decode())).isTrue();
    }

    @Test
    void pskIsTheBrokersDerivationFromTheFleetMaster() {
        // RFC 5869 HKDF-SHA256 with no salt, info = device id: the broker's DerivedPskStore
        assertThat(fleet.psk(3)).isEqualTo(io.edgeauth.broker.coap.DerivedPskStore.derive(fleet.pskMaster(), "sim-3"));
    }

    @Test
    void badSeedsAndPrefixesAreRefused() {
        assertThatThrownBy(() -> new FleetIdentities("", "sim", DeviceIdentity.KeyType.EC_P256)).hasMessageContaining("seed");
        assertThatThrownBy(() -> new FleetIdentities("s", "a/b", DeviceIdentity.KeyType.EC_P256)).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new FleetIdentities("s", "x".repeat(101), DeviceIdentity.KeyType.EC_P256)).hasMessageContaining("prefix");
        assertThatThrownBy(() -> fleet.deviceId(-1)).hasMessageContaining(">= 0");
    }

    /**
     * The derivation's outputs as the simulator first shipped it (commit d24e3db): a fleet registered by one
     * version must be drivable by the next, so these must never change (a new derivation needs a new SALT).
     */
    @Test
    void derivedKeysStayTheSameAcrossVersions() throws Exception {
        String[][] p256 = {
            {"0", "_XJnXh6cslELCK-aeptl8mj5yMY1vT-cF_eubHwYPT0", "_JYjMDvn2KseL1gdRlByrkutrdWG_C-EgiGeNSzaVho",
                "ej1-8fi_nylm_iwIr8B5rTpjaOxa15e_TaGlmXh-HDI", "81rOgM8E0DVJ7WnAcoOqHL0VsWwDtiJNzJ8ReLaoH60"},
            {"42", "UuzW53Tjm17MXWnZahT7q-bhyNs9Ua95rJDUFstgmtE", "mKtM-dUqkldGt5J3SUqHWX0nk_VU5oTsFcbVj4unsA0",
                "Gh8WUu-rQ0heBjwFqNbf_cId5GyJaDyZKtqZJJrNL9I", "LN5RPHzlEEq-cD_nxFnGlwe-CquaYUSO9Stvicdxjfg"},
            {"999999", "wuqzxyE8iPOu-nTzFaJuWQYdL7QSjGYEWhWNOl_eT8U", "Fr2q30_Ln7K6WhgL5C1svgExYSsPBBuK-y-4bKiU_xk",
                "8NXIVVT3BfVvT4bLk-5SIu9NmB_t8bMWZaR35eStqZY", "3mGrS5kmycic72-LzZ5Ndn5xJBfFLyWcBlZkjm7jdMY"}};
        org.bouncycastle.asn1.x9.X9ECParameters curve = org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256r1");
        for (String[] v : p256) {
            ECKey k = (ECKey) fleet.privateKey(Long.parseLong(v[0]));
            assertThat(new String[] {k.getD().toString(), k.getX().toString(), k.getY().toString()})
                    .containsExactly(v[1], v[2], v[3]);
            assertThat(fleet.identity(Long.parseLong(v[0])).thumbprint()).isEqualTo(v[4]);
            // the public key is d·G by a second, plain double-and-add multiplication
            org.bouncycastle.math.ec.ECPoint q = org.bouncycastle.math.ec.ECAlgorithms
                    .referenceMultiply(curve.getG(), k.getD().decodeToBigInteger()).normalize();
            assertThat(q.getAffineXCoord().toBigInteger()).isEqualTo(k.getX().decodeToBigInteger());
            assertThat(q.getAffineYCoord().toBigInteger()).isEqualTo(k.getY().decodeToBigInteger());
        }
        FleetIdentities ed = new FleetIdentities("seed-1", "sim", DeviceIdentity.KeyType.ED25519);
        OctetKeyPair e42 = (OctetKeyPair) ed.privateKey(42);
        assertThat(e42.getD().toString()).isEqualTo("DWzpGFeg_a0xJ6LYrjY7vTlmzeYpgtBG2RaESYUqpb4");
        assertThat(e42.getX().toString()).isEqualTo("JvxmdW_UGAvcDen0A4XyB4f_VlAU44LGHeoAM_DZREU");
        assertThat(ed.identity(999999).thumbprint()).isEqualTo("bTKo6b5fClh3K9TpTS_XEbHMm0rdPRsaI_SktuNvSlM");
    }
}
