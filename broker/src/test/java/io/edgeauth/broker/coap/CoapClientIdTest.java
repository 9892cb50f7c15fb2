package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;

/**
 * Tour X, X3: CoAP {@code /token} ignored an ACE {@code client_id} (24) that names another client than the
 * assertion's {@code sub} and answered with the assertion's token; {@code /oauth/token} refuses it (RFC 7523 §3: the
 * {@code sub} is the {@code client_id}). Now refused the same way: 4.01 {@code invalid_client}.
 */
class CoapClientIdTest extends InProcessBrokerTest {

    private static CoapResponse token(DeviceIdentity device, String clientId) throws Exception {
        CBORObject request = CBORObject.NewMap().Add(33, 2)
                .Add("client_assertion_type", ClientAssertions.ASSERTION_TYPE)
                .Add("client_assertion", TestDevices.assertion(base, device));
        if (clientId != null) {
            request.Add(24, clientId);
        }
        CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
        try {
            return client.post(request.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aClientIdThatIsNotTheAssertionsSubIsRefusedInvalidClient() throws Exception {
        DeviceIdentity a = TestDevices.register(admin, "cid-a");
        TestDevices.register(admin, "cid-b");

        CoapResponse other = token(a, "cid-b");
        assertThat(other.getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        CBORObject error = CBORObject.DecodeFromBytes(other.getPayload());
        assertThat(error.get(CBORObject.FromObject(30)).AsInt32()).as("ACE error invalid_client").isEqualTo(2);
        assertThat(CoapEdgeTest.description(other)).contains("client_id").contains("sub");

        assertThat(token(a, "cid-a").getCode()).as("its own client_id").isEqualTo(ResponseCode.CREATED);
        assertThat(token(a, null).getCode()).as("no client_id").isEqualTo(ResponseCode.CREATED);
    }
}
