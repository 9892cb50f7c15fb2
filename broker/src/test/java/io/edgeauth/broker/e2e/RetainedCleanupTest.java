package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Retained messages follow the device's record: a deleted device's retained messages ({@code d/<id>/...}) are
 * gone, and an ownership transfer drops the former owner's retained commands ({@code d/<id>/down/...}) while
 * the device's own retained telemetry stays.
 */
class RetainedCleanupTest extends InProcessBrokerTest {

    @Test
    void deletingADeviceClearsItsRetainedMessages() {
        DeviceFixtures.register(admin, "rc-gone", null, List.of());
        DeviceFixtures.register(admin, "rc-stays", null, List.of());
        String tenant = tenantOf("rc-gone");
        retain(tenant, "d/rc-gone/up/state", "on");
        retain(tenant, "d/rc-gone/down/valve", "open");
        retain(tenant, "d/rc-stays/up/state", "on");

        assertThat(admin.delete("/admin/devices/rc-gone").statusCode()).isEqualTo(204);

        assertThat(retainedFor(tenant, "d/rc-gone/#")).as("retained messages of a deleted device").isEmpty();
        assertThat(retainedFor(tenant, "d/rc-stays/#")).containsExactly("d/rc-stays/up/state");
    }

    @Test
    void anOwnershipTransferClearsTheFormerOwnersRetainedCommandsOnly() throws Exception {
        ECKeyPair w1 = Keys.createEcKeyPair();
        ECKeyPair w2 = Keys.createEcKeyPair();
        DeviceFixtures.register(admin, "rc-valve", Wallets.did(w1), List.of());
        String tenant = tenantOf("rc-valve");
        retain(tenant, "d/rc-valve/down/valve", "open");
        retain(tenant, "d/rc-valve/up/state", "closed");

        HttpResponse<String> code = admin.postJson("/admin/devices/rc-valve/claim-code", "");
        assertThat(code.statusCode()).as(code.body()).isEqualTo(201);
        Http asW2 = new Http(base, Wallets.siweLogin(base, w2).getString("access_token"));
        HttpResponse<String> claimed = asW2.postJson("/devices/claim", new JsonObject().put("deviceId", "rc-valve")
                .put("claimCode", new JsonObject(code.body()).getString("claimCode")).encode());
        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(200);

        assertThat(retainedFor(tenant, "d/rc-valve/down/#")).as("the former owner's retained command").isEmpty();
        assertThat(retainedFor(tenant, "d/rc-valve/up/#")).containsExactly("d/rc-valve/up/state");
    }

    private static String tenantOf(String id) {
        return new JsonObject(admin.get("/admin/devices/" + id).body()).getString("tenant");
    }

    private static void retain(String tenant, String topic, String payload) {
        broker.router().publish(tenant, topic, payload.getBytes(StandardCharsets.UTF_8), 1, true, null, "test");
    }

    /** The topics of the retained messages a new subscription to {@code filter} is sent. */
    private static List<String> retainedFor(String tenant, String filter) {
        return io.edgeauth.broker.testsupport.CollectingSubscriber.retainedTopics(broker.router(), tenant, filter);
    }
}
