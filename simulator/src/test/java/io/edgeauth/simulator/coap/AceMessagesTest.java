package io.edgeauth.simulator.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The broker's CoAP answers as a device parses them, hostile ones included; and the client socket plan. */
class AceMessagesTest {
    @Test
    void reasonsComeFromTheAceErrorDescriptionAndNothingElseIsEchoed() {
        byte[] refusal = CBORObject.NewMap().Add(30, 2).Add(31, "bad_signature: signature does not verify").EncodeToBytes();
        assertThat(AceMessages.reason(refusal)).isEqualTo("bad_signature");
        assertThat(AceMessages.reason(CBORObject.NewMap().Add(31, "expired").EncodeToBytes())).isEqualTo("expired");
        assertThat(AceMessages.reason(CBORObject.NewMap().Add(31, "<script>: x").EncodeToBytes())).isNull();
        assertThat(AceMessages.reason(CBORObject.NewMap().Add(31, "a\nb: x").EncodeToBytes())).isNull();
        assertThat(AceMessages.reason(CBORObject.NewMap().Add(31, "x".repeat(60)).EncodeToBytes())).isNull();
        assertThat(AceMessages.reason(CBORObject.NewMap().Add(31, 7).EncodeToBytes())).isNull();
        assertThat(AceMessages.reason(CBORObject.FromObject("text").EncodeToBytes())).isNull();
        assertThat(AceMessages.reason(new byte[] {(byte) 0xbf, 0x61})).isNull(); // truncated CBOR
        assertThat(AceMessages.reason(new byte[AceMessages.MAX_ANSWER + 1])).isNull();
        assertThat(AceMessages.reason(null)).isNull();
        assertThat(AceMessages.reason(new byte[0])).isNull();
    }

    @Test
    void theAccessTokenComesFromKeyOne() {
        assertThat(AceMessages.accessToken(CBORObject.NewMap().Add(1, new byte[] {1, 2}).Add(2, 60).EncodeToBytes())).containsExactly(1, 2);
        assertThat(new String(AceMessages.accessToken(CBORObject.NewMap().Add(1, "a.b.c").EncodeToBytes()))).isEqualTo("a.b.c");
        assertThatThrownBy(() -> AceMessages.accessToken(CBORObject.NewMap().Add(2, 60).EncodeToBytes()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AceMessages.accessToken(new byte[] {0x1f})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTokenRequestIsAnAceClientCredentialsGrant() {
        CBORObject m = CBORObject.DecodeFromBytes(AceMessages.tokenRequest("x.y.z", "cwt"));
        assertThat(m.get(CBORObject.FromObject(33)).AsInt32Value()).isEqualTo(2);
        assertThat(m.get("client_assertion").AsString()).isEqualTo("x.y.z");
        assertThat(m.get("token_format").AsString()).isEqualTo("cwt");
    }

    @Test
    void localPortsGiveDistinctPeersAcrossAddresses() throws Exception {
        LocalPorts ports = new LocalPorts(List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3")));
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < ports.distinct(); i++) {
            InetSocketAddress a = ports.next();
            assertThat(a.getPort()).isBetween(LocalPorts.FIRST_PORT, 65_535);
            assertThat(seen.add(a.getAddress().getHostAddress() + ":" + a.getPort())).isTrue();
        }
        assertThat(seen).hasSize(2 * (65_536 - LocalPorts.FIRST_PORT));
        assertThat(new LocalPorts(List.of()).next().getPort()).isZero();
    }

    @Test
    void simulatorsOnOneHostStartTheirWalkAtDifferentPlaces() throws Exception {
        // two runs given the same source addresses bound the same pairs in the same order (a BrokerRestartRunTest run
        // failed with socket:bind beside another test suite's)
        List<InetAddress> addrs = List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3"));
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            InetSocketAddress a = new LocalPorts(addrs).next();
            firsts.add(a.getAddress().getHostAddress() + ":" + a.getPort());
        }
        assertThat(firsts).as("10 walks over 111,072 pairs").hasSizeGreaterThan(1);
    }
}
