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
}
