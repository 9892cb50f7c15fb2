package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A device registered by certificate thumbprint that signs a client assertion was told "no registered key for the
 * client" (tour N, N12: README's pump-1 and the SDK README's example share the id): the refusal now says the device
 * is registered with another credential and how it authenticates.
 */
class OtherCredentialDeviceTest extends InProcessBrokerTest {

    @Test
    void aDeviceRegisteredByCertificateIsToldToAuthenticateWithIt() {
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"cert-1\",\"x5tS256\":\"" + "A".repeat(43) + "\"}").statusCode())
                .isEqualTo(201);
        HttpResponse<String> r = TestDevices.clientCredentials(anonymous, base, DeviceIdentity.generate("cert-1"), null);
        assertThat(r.statusCode()).isEqualTo(401);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("error")).isEqualTo("invalid_client");
        assertThat(body.getString("error_description")).contains("x5tS256").contains("tls_client_auth");
    }
}
