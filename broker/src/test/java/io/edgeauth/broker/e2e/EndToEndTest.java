package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.Command;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * The whole product in one broker: a device registers its key, gets JWT and CWT tokens with the SDK,
 * talks MQTT and CoAP; a wallet owner signs in with Ethereum, sees the device's telemetry and sends
 * it commands; rotation, key and subject revocation take effect on live sessions.
 */
class EndToEndTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static Http admin;
    static Http anonymous;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_COAP_DTLS_PORT", "0")));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(base, null);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static DeviceIdentity register(String id, String owner) {
        return DeviceFixtures.register(admin, id, owner, List.of());
    }

    static AccessToken token(DeviceIdentity identity, TokenFormat format) throws Exception {
        return DeviceFixtures.token(base, identity, format);
    }

    static JsonObject introspect(String token) {
        return new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", token)).body());
    }

    @Test
    void deviceGetsJwtAndCwtThatBothVerifyToTheSameClaims() throws Exception {
        DeviceIdentity device = register("e2e-tokens", null);
        AccessToken jwt = token(device, TokenFormat.JWT);
        AccessToken cwt = token(device, TokenFormat.CWT);
        JsonObject a = introspect(jwt.value());
        JsonObject b = introspect(cwt.value());
        assertThat(a.getBoolean("active")).isTrue();
        assertThat(b.getBoolean("active")).isTrue();
        assertThat(a.getString("token_format")).isEqualTo("jwt");
        assertThat(b.getString("token_format")).isEqualTo("cwt");
        for (String claim : List.of("sub", "iss", "tenant_id")) {
            assertThat(b.getValue(claim)).as(claim).isEqualTo(a.getValue(claim));
        }
        assertThat(a.getJsonObject("cnf").getString("jkt")).isEqualTo(device.thumbprint());
        assertThat(a.getLong("exp") - a.getLong("iat")).isEqualTo(600);
    }

    @Test
    void replayedAssertionsAndUnknownDevicesAreRefused() throws Exception {
        DeviceIdentity device = register("e2e-replay", null);
        String assertion = io.edgeauth.device.ClientAssertions.builder(device).audience(base + "/oauth/token").build().create();
        Map<String, String> form = Map.of("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", assertion);
        assertThat(anonymous.postForm("/oauth/token", form).statusCode()).isEqualTo(200);
        var replay = anonymous.postForm("/oauth/token", form);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(replay.body()).getString("error")).isEqualTo("invalid_client");
        assertThat(replay.body()).contains("replayed");

        DeviceIdentity stranger = DeviceIdentity.generate("e2e-stranger");
        String foreign = io.edgeauth.device.ClientAssertions.builder(stranger).audience(base + "/oauth/token").build().create();
        var refused = anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", foreign));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "password")).body())
                .contains("unsupported_grant_type");
        assertThat(anonymous.postJson("/oauth/token", "{}").body()).contains("invalid_request");
    }

    @Test
    void walletOwnerSeesTelemetryOverMqttAndCoapAndCommandsTheDevice() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String address = Keys.toChecksumAddress(Keys.getAddress(wallet));
        String did = "did:pkh:eip155:1:" + address;
        JsonObject login = siweLogin(wallet, address);
        assertThat(login.getString("sub")).isEqualTo(did);
        assertThat(login.getString("refresh_token")).startsWith("rt_");

        DeviceIdentity device = register("e2e-pump", did);
        AccessToken jwt = token(device, TokenFormat.JWT);

        Mqtt5BlockingClient owner = MqttClient.builder().useMqttVersion5().identifier(did + "#owner-app")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        owner.connectWith().simpleAuth().username(did)
                .password(login.getString("access_token").getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
        List<String> seen = new CopyOnWriteArrayList<>();
        owner.toAsync().subscribeWith().topicFilter("d/e2e-pump/up/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seen.add(p.getTopic() + "=" + new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().get(5, TimeUnit.SECONDS);

        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(jwt).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        List<String> commands = new CopyOnWriteArrayList<>();
        mqtt.onCommand((Command c) -> commands.add(new String(c.payload(), StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        mqtt.publishTelemetry("temp", "21.5".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("d/e2e-pump/up/temp=21.5"));

        owner.publishWith().topic("d/e2e-pump/down/valve").payload("open".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.contains("open"));
        // the owner may not touch devices it does not own
        register("e2e-other", null);
        int code;
        try {
            code = ((com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos1Result) owner.publishWith()
                    .topic("d/e2e-other/down/valve").payload(new byte[1]).qos(MqttQos.AT_LEAST_ONCE).send())
                    .getPubAck().getReasonCode().getCode();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
            code = e.getMqttMessage().getReasonCode().getCode();
        }
        assertThat(code).isEqualTo(0x87);

        // CoAP over DTLS-PSK: CWT uploaded to /authz-info, telemetry reaches the MQTT owner
        byte[] master = Files.readAllBytes(dataDir.resolve("coap-psk-master.key"));
        AccessToken cwt = token(device, TokenFormat.CWT);
        DeviceCoapClient coap = DeviceCoapClient.builder()
                .serverUri(URI.create("coaps://127.0.0.1:" + broker.coapDtlsPort())).identity(device)
                .psk(DerivedPskStore.derive(master, "e2e-pump")).token(cwt).build();
        try {
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            coap.publishTelemetry("humidity", "40".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("d/e2e-pump/up/humidity=40"));
        } finally {
            coap.close();
        }

        // deleting the device revokes its subject: the live MQTT session ends within a second
        assertThat(admin.delete("/admin/devices/e2e-pump").statusCode()).isEqualTo(204);
        await().atMost(Duration.ofMillis(1500)).until(() -> !mqtt.isConnected());
        owner.disconnect();
    }

    @Test
    void refreshTokensRotateAndReuseRevokesTheFamily() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String address = Keys.toChecksumAddress(Keys.getAddress(wallet));
        JsonObject login = siweLogin(wallet, address);
        String first = login.getString("refresh_token");
        JsonObject renewed = new JsonObject(anonymous.postForm("/oauth/token",
                Map.of("grant_type", "refresh_token", "refresh_token", first)).body());
        assertThat(renewed.getString("access_token")).isNotBlank();
        String second = renewed.getString("refresh_token");
        assertThat(second).isNotEqualTo(first);
        var reuse = anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", first));
        assertThat(reuse.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(reuse.body()).getString("error")).isEqualTo("invalid_grant");
        assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", second))
                .statusCode()).as("the family is revoked").isEqualTo(400);
    }

    @Test
    void rotationKeepsOldTokensAndKidRevocationKillsThem() throws Exception {
        DeviceIdentity device = register("e2e-rotate", null);
        AccessToken before = token(device, TokenFormat.JWT);
        String oldKid = introspectKid(before);
        JsonObject rotated = new JsonObject(admin.postJson("/admin/keys/rotate", "{}").body());
        assertThat(rotated.getString("kid")).isNotEqualTo(oldKid);
        assertThat(introspect(before.value()).getBoolean("active")).as("old token still valid").isTrue();
        AccessToken after = token(device, TokenFormat.JWT);
        assertThat(introspectKid(after)).isEqualTo(rotated.getString("kid"));
        assertThat(anonymous.get("/.well-known/jwks.json").body()).contains(oldKid).contains(rotated.getString("kid"));

        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(before).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        assertThat(admin.postJson("/admin/revocations", "{\"kid\":\"" + oldKid + "\",\"reason\":\"compromised\"}")
                .statusCode()).isEqualTo(201);
        assertThat(introspect(before.value()).getBoolean("active")).isFalse();
        assertThat(introspect(after.value()).getBoolean("active")).isTrue();
        await().atMost(Duration.ofMillis(1500)).until(() -> !mqtt.isConnected());
    }

    @Test
    void tokenExchangeNarrowsAndNamesTheActor() throws Exception {
        DeviceIdentity device = register("e2e-exchange", null);
        AccessToken subject = token(device, TokenFormat.JWT);
        DeviceIdentity gateway = register("e2e-gateway", null);
        // the actor authenticates as the client (RFC 7523): a token alone cannot be exchanged
        var response = anonymous.postForm("/oauth/token", Map.of(
                "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token", subject.value(),
                "subject_token_type", "urn:ietf:params:oauth:token-type:access_token",
                "actor_token", token(gateway, TokenFormat.JWT).value(),
                "actor_token_type", "urn:ietf:params:oauth:token-type:access_token",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", io.edgeauth.device.ClientAssertions.builder(gateway)
                        .audience(base + "/oauth/token").build().create()));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject exchanged = introspect(new JsonObject(response.body()).getString("access_token"));
        assertThat(exchanged.getString("sub")).isEqualTo("e2e-exchange");
        assertThat(exchanged.getJsonObject("act").getString("sub")).isEqualTo("e2e-gateway");
        assertThat(exchanged.getLong("exp")).isLessThanOrEqualTo(introspect(subject.value()).getLong("exp"));
        var wider = anonymous.postForm("/oauth/token", Map.of(
                "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token", subject.value(),
                "subject_token_type", "urn:ietf:params:oauth:token-type:access_token", "scope", "admin",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", io.edgeauth.device.ClientAssertions.builder(device)
                        .audience(base + "/oauth/token").build().create()));
        assertThat(new JsonObject(wider.body()).getString("error")).isEqualTo("invalid_scope");
    }

    @Test
    void aCoapDeviceThatStoppedObservingGetsTheCommandSentMeanwhileWhenItObservesAgain() throws Exception {
        DeviceCoapClient coap = coapDeviceThatObservedAndWentAway("e2e-coap-away");
        List<String> commands = new CopyOnWriteArrayList<>();
        try {
            var r = admin.postJson("/admin/devices/e2e-coap-away/commands",
                    new JsonObject().put("topic", "valve").put("payload", "close").encode());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(new JsonObject(r.body()).getInteger("subscribers")).as("it waits for the device").isEqualTo(1);

            coap.observeCommands(c -> commands.add(c.path() + "=" + new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS); // back
            await().atMost(Duration.ofSeconds(5)).until(() -> commands.contains("valve=close"));
            assertThat(commands).containsExactly("valve=close");
        } finally {
            coap.close();
        }
    }

    /** A CoAP device over DTLS that uploaded its token, observed its commands and cancelled: its relation is parked. */
    private DeviceCoapClient coapDeviceThatObservedAndWentAway(String id) throws Exception {
        DeviceIdentity device = register(id, null);
        byte[] master = Files.readAllBytes(dataDir.resolve("coap-psk-master.key"));
        DeviceCoapClient coap = DeviceCoapClient.builder()
                .serverUri(URI.create("coaps://127.0.0.1:" + broker.coapDtlsPort())).identity(device)
                .psk(DerivedPskStore.derive(master, id)).token(token(device, TokenFormat.CWT)).build();
        coap.uploadToken().get(10, TimeUnit.SECONDS);
        coap.observeCommands(c -> { }).get(10, TimeUnit.SECONDS).close(); // the device goes away
        await().atMost(Duration.ofSeconds(5)).until(() -> anonymous.get("/metrics").body().lines()
                .anyMatch(l -> l.startsWith("edgeauth_coap_observers_parked ") && !l.endsWith(" 0.0")));
        return coap;
    }

    /** A command sent with {@code expiresIn} that passed while the device was away is not handed to it. */
    @Test
    void anExpiredCommandDoesNotReachACoapDeviceThatComesBack() throws Exception {
        DeviceCoapClient coap = coapDeviceThatObservedAndWentAway("e2e-coap-expiry");
        List<String> commands = new CopyOnWriteArrayList<>();
        try {
            var stale = admin.postJson("/admin/devices/e2e-coap-expiry/commands",
                    new JsonObject().put("topic", "lock").put("payload", "unlock").put("expiresIn", 1).encode());
            assertThat(stale.statusCode()).as(stale.body()).isEqualTo(202);
            assertThat(admin.postJson("/admin/devices/e2e-coap-expiry/commands",
                    new JsonObject().put("topic", "valve").put("payload", "close").put("expiresIn", 3600).encode())
                    .statusCode()).isEqualTo(202);
            Thread.sleep(1500);
            coap.observeCommands(c -> commands.add(c.path() + "=" + new String(c.payload(), StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> commands.contains("valve=close"));
            assertThat(commands).containsExactly("valve=close");
        } finally {
            coap.close();
        }
    }

    @Test
    void coapTokenEndpointIssuesACwtTheDeviceCanUse() throws Exception {
        DeviceIdentity device = register("e2e-coap-token", null);
        String assertion = io.edgeauth.device.ClientAssertions.builder(device).audience(base + "/oauth/token").build().create();
        com.upokecenter.cbor.CBORObject request = com.upokecenter.cbor.CBORObject.NewMap()
                .Add(33, 2) // grant_type: client_credentials (RFC 9200 Figure 11)
                .Add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .Add("client_assertion", assertion);
        String root = "coap://127.0.0.1:" + broker.coapPort();
        org.eclipse.californium.core.CoapClient client = new org.eclipse.californium.core.CoapClient(root + "/token");
        try {
            org.eclipse.californium.core.CoapResponse response = client.post(request.EncodeToBytes(),
                    org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_ACE_CBOR);
            assertThat(response.getCode()).isEqualTo(org.eclipse.californium.core.coap.CoAP.ResponseCode.CREATED);
            byte[] cwt = com.upokecenter.cbor.CBORObject.DecodeFromBytes(response.getPayload()).get(1).GetByteString();
            client.setURI(root + "/authz-info");
            assertThat(client.post(cwt, org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_CWT).getCode())
                    .isEqualTo(org.eclipse.californium.core.coap.CoAP.ResponseCode.CREATED);
            client.setURI(root + "/token");
            assertThat(client.post(request.EncodeToBytes(),
                    org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode().codeClass)
                    .as("the replayed assertion is refused").isEqualTo(4);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void holdersRevokeTheirOwnTokens() throws Exception {
        DeviceIdentity device = register("e2e-revoke", null);
        AccessToken t = token(device, TokenFormat.JWT);
        Http holder = new Http(base, t.value());
        assertThat(holder.postForm("/oauth/revoke", Map.of("token", t.value())).statusCode()).isEqualTo(200);
        assertThat(introspect(t.value()).getBoolean("active")).isFalse();
        assertThat(anonymous.postForm("/oauth/revoke", Map.of("token", "x")).statusCode()).isEqualTo(401);
        assertThat(anonymous.postForm("/oauth/introspect", Map.of("token", "x")).statusCode()).isEqualTo(401);
    }

    private static String introspectKid(AccessToken token) throws Exception {
        return com.nimbusds.jwt.SignedJWT.parse(token.value()).getHeader().getKeyID();
    }

    static JsonObject siweLogin(ECKeyPair wallet, String address) throws Exception {
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        SiweMessage message = SiweMessage.builder().scheme(uri.getScheme())
                .domain(uri.getHost() + ":" + uri.getPort()).address(address)
                .statement("Sign in to edgeauth").uri(base + "/login").version("1").chainId(1).nonce(nonce)
                .issuedAt(Instant.now().toString())
                .build();
        String text = message.toMessageString();
        Sign.SignatureData sig = Sign.signPrefixedMessage(text.getBytes(StandardCharsets.UTF_8), wallet);
        byte[] bytes = new byte[65];
        System.arraycopy(sig.getR(), 0, bytes, 0, 32);
        System.arraycopy(sig.getS(), 0, bytes, 32, 32);
        bytes[64] = sig.getV()[0];
        var response = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Numeric.toHexString(bytes)).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }
}
