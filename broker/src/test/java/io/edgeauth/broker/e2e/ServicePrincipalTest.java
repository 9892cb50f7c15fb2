package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.edgeauth.broker.service.ServiceValidator;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, service principals end to end with the HiveMQ MQTT client: a backend service registered by an
 * operator reads a tenant's telemetry and commands its devices over MQTT, and nothing more (no other tenant,
 * no device's topics as a device, no device's client id); deleting or revoking it ends its session; an operator
 * sends one-off commands over HTTP ({@code POST /admin/devices/{id}/commands}).
 */
@InProcessBrokerTest.Config("EDGEAUTH_TENANTS=[{\"id\":\"default\"},{\"id\":\"acme\"}]") // two tenants never meet
class ServicePrincipalTest extends InProcessBrokerTest {
    static final String[] GRANTS = {"sub:d/+/up/#", "pub:d/+/down/#"};

    static Mqtt5BlockingClient connect(String clientId, String token, AtomicReference<Throwable> gone) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort())
                .addDisconnectedListener(ctx -> gone.compareAndSet(null, ctx.getCause())).buildBlocking();
        c.connectWith().simpleAuth().username(clientId).password(bytes(token)).applySimpleAuth().send();
        return c;
    }

    static Mqtt5BlockingClient connect(String clientId, String token) {
        return connect(clientId, token, new AtomicReference<>());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Optional<Mqtt5Publish> receive(Mqtt5BlockingClient.Mqtt5Publishes in) throws InterruptedException {
        return in.receive(10, TimeUnit.SECONDS);
    }

    static Mqtt5PubAckReasonCode puback(Supplier<Mqtt5PublishResult> send) {
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) send.get()).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient c, String topic, String payload) {
        return puback(() -> c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(payload)).send());
    }

    @Test
    void aServiceReadsItsTenantsTelemetryAndCommandsADevice() throws Exception {
        String pumpToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-pump"));
        String acmeToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-acme-pump", "acme"));
        String serviceToken = TestServices.token(anonymous, base,
                TestServices.register(admin, "sp-ops", "default", GRANTS), null);
        Mqtt5BlockingClient pump = connect("sp-pump", pumpToken);
        Mqtt5BlockingClient acme = connect("sp-acme-pump", acmeToken);
        Mqtt5BlockingClient ops = connect("sp-ops", serviceToken);
        try (var pumpIn = pump.publishes(MqttGlobalPublishFilter.ALL); var opsIn = ops.publishes(MqttGlobalPublishFilter.ALL)) {
            pump.subscribeWith().topicFilter("d/sp-pump/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(ops.subscribeWith().topicFilter("d/+/up/#").qos(MqttQos.AT_LEAST_ONCE).send().getReasonCodes())
                    .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);

            assertThat(publish(acme, "d/sp-acme-pump/up/temp", "other tenant")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(publish(pump, "d/sp-pump/up/temp", "21.5")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            Mqtt5Publish telemetry = receive(opsIn).orElseThrow();
            assertThat(telemetry.getTopic().toString()).isEqualTo("d/sp-pump/up/temp");
            assertThat(new String(telemetry.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("21.5");

            assertThat(publish(ops, "d/sp-pump/down/reboot", "now")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            Mqtt5Publish command = receive(pumpIn).orElseThrow();
            assertThat(command.getTopic().toString()).isEqualTo("d/sp-pump/down/reboot");
            assertThat(new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("now");

            // never as a device: no telemetry in a device's name, no reading of its commands, nothing off-grant
            assertThat(publish(ops, "d/sp-pump/up/temp", "forged")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(publish(ops, "ops/anything", "x")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThatThrownBy(() -> ops.subscribeWith().topicFilter("d/sp-pump/down/#").send())
                    .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
            assertThatThrownBy(() -> ops.subscribeWith().topicFilter("#").send())
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertThat(opsIn.receive(300, TimeUnit.MILLISECONDS)).as("no other tenant's telemetry").isEmpty();
            assertThat(pumpIn.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
        } finally {
            ops.disconnect();
            acme.disconnect();
            pump.disconnect();
        }
    }

    @Test
    void aServiceOfAnotherTenantNeverReachesThisTenantsDevices() throws Exception {
        String pumpToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-home"));
        String foreignToken = TestServices.token(anonymous, base,
                TestServices.register(admin, "sp-foreign", "acme", GRANTS), null);
        Mqtt5BlockingClient pump = connect("sp-home", pumpToken);
        Mqtt5BlockingClient foreign = connect("sp-foreign", foreignToken);
        try (var pumpIn = pump.publishes(MqttGlobalPublishFilter.ALL);
             var foreignIn = foreign.publishes(MqttGlobalPublishFilter.ALL)) {
            pump.subscribeWith().topicFilter("d/sp-home/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            foreign.subscribeWith().topicFilter("d/+/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            // the same topic names, in acme's namespace: allowed there, and nothing crosses to the default tenant
            assertThat(publish(foreign, "d/sp-home/down/reboot", "x")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(publish(pump, "d/sp-home/up/temp", "1")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(pumpIn.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(foreignIn.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
        } finally {
            foreign.disconnect();
            pump.disconnect();
        }
        HttpResponse<String> asDefault = TestServices.clientCredentials(anonymous, base,
                DeviceIdentity.generate("sp-foreign"), null);
        assertThat(asDefault.statusCode()).as("another key under the same id").isEqualTo(401);
    }

    @Test
    void aServiceNeverTakesADevicesClientIdOrSession() {
        String pumpToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-victim"));
        String serviceToken = TestServices.token(anonymous, base,
                TestServices.register(admin, "sp-thief", "default", GRANTS), null);
        AtomicReference<Throwable> pumpGone = new AtomicReference<>();
        Mqtt5BlockingClient pump = connect("sp-victim", pumpToken, pumpGone);
        Mqtt5BlockingClient thief = MqttClient.builder().useMqttVersion5().identifier("sp-victim")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        assertThatThrownBy(() -> thief.connectWith().simpleAuth().username("sp-thief").password(bytes(serviceToken))
                .applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isIn(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID, Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> pump.getState().isConnected() && pumpGone.get() == null);

        Mqtt5BlockingClient assigned = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        Mqtt5ConnAck ack = assigned.connectWith().simpleAuth().username("sp-thief").password(bytes(serviceToken))
                .applySimpleAuth().send();
        assertThat(ack.getAssignedClientIdentifier()).hasValueSatisfying(id -> assertThat(id.toString())
                .isEqualTo("sp-thief"));
        assigned.disconnect();
        pump.disconnect();
    }

    @Test
    void anIdHeldByADeviceAndAServiceAtOnceIsUsableByNeither() throws Exception {
        // registrations refuse the collision; a record that got in anyway (here: written past the admin API)
        // must make the id unusable, never give one principal the other's rights
        DeviceIdentity device = TestDevices.register(admin, "sp-twin");
        String deviceToken = TestDevices.token(anonymous, base, device);
        DeviceIdentity serviceKey = DeviceIdentity.generate("sp-twin");
        broker.services().registerIfAbsent(new ServiceValidator("default"::equals, "gold"::equals, Clock.systemUTC())
                .validate(TestServices.registration(serviceKey, "default", GRANTS)));
        assertThat(TestServices.clientCredentials(anonymous, base, serviceKey, null).statusCode())
                .as("the token endpoint takes the id for the device's: the service's key does not sign for it")
                .isEqualTo(401);
        assertThatThrownBy(() -> connect("sp-twin", deviceToken)).isInstanceOf(Mqtt5ConnAckException.class);
    }

    /**
     * A service may hold several sessions (the broker named them {@code <id>#<random>} for an empty client id), so it
     * may name them too, as a wallet does: {@code <id>#<suffix>}. Its own id twice is still one session (the second
     * takes it over), and another principal's id with a suffix stays refused. Before, the README's subscriber and
     * publisher, both {@code -i ops-svc}, took each other's session over.
     */
    @Test
    void aServiceNamesItsSessionsWithASuffix() throws Exception {
        String token = TestServices.token(anonymous, base, TestServices.register(admin, "sp-multi", "default",
                "sub:d/+/up/#"), null);
        Mqtt5BlockingClient reader = connect("sp-multi#reader", token);
        Mqtt5BlockingClient writer = connect("sp-multi#writer", token);
        assertThat(reader.getState().isConnected() && writer.getState().isConnected()).isTrue();
        assertThatThrownBy(() -> connect("sp-other#reader", token)).isInstanceOf(Mqtt5ConnAckException.class);
        assertThatThrownBy(() -> connect("sp-multi#", token)).as("an empty suffix").isInstanceOf(Mqtt5ConnAckException.class);
        reader.disconnect();
        writer.disconnect();
        String deviceToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-single"));
        assertThatThrownBy(() -> connect("sp-single#2", deviceToken)).as("a device is one session")
                .isInstanceOf(Mqtt5ConnAckException.class);
    }

    @Test
    void instancesOfOneBackendShareTheTelemetryThroughASharedSubscription() throws Exception {
        String pumpToken = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-shared-pump"));
        Mqtt5BlockingClient pump = connect("sp-shared-pump", pumpToken);
        Mqtt5BlockingClient[] workers = new Mqtt5BlockingClient[2];
        for (int i = 0; i < workers.length; i++) {
            String id = "sp-worker-" + i;
            workers[i] = connect(id, TestServices.token(anonymous, base, TestServices.register(admin, id, "default",
                    "sub:d/+/up/#"), null));
        }
        // the HiveMQ client registers a publishes() flow asynchronously: opened before the SUBSCRIBE, so no message
        // can arrive before it (the client dropped one with "No publish flow registered" on a loaded machine)
        try (var in0 = workers[0].publishes(MqttGlobalPublishFilter.ALL);
             var in1 = workers[1].publishes(MqttGlobalPublishFilter.ALL)) {
            for (Mqtt5BlockingClient w : workers) {
                assertThat(w.subscribeWith().topicFilter("$share/workers/d/+/up/#").qos(MqttQos.AT_LEAST_ONCE)
                        .send().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            }
            for (int i = 0; i < 4; i++) {
                assertThat(publish(pump, "d/sp-shared-pump/up/n", "m" + i)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            }
            int received = 0;
            while (in0.receive(1, TimeUnit.SECONDS).isPresent() || in1.receive(1, TimeUnit.SECONDS).isPresent()) {
                received++;
            }
            assertThat(received).as("each message to one member of the group").isEqualTo(4);
        } finally {
            for (Mqtt5BlockingClient w : workers) {
                w.disconnect();
            }
            pump.disconnect();
        }
    }

    @Test
    void aNarrowedTokenReachesOnlyTheTopicsItNames() throws Exception {
        TestDevices.register(admin, "sp-narrow-a");
        DeviceIdentity service = TestServices.register(admin, "sp-narrow", "default", GRANTS);
        String token = TestServices.token(anonymous, base, service, "pub:d/sp-narrow-a/down/#");
        Mqtt5BlockingClient c = connect("sp-narrow", token);
        assertThat(publish(c, "d/sp-narrow-a/down/x", "ok")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(publish(c, "d/sp-narrow-b/down/x", "no")).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThatThrownBy(() -> c.subscribeWith().topicFilter("d/+/up/#").send()).isInstanceOf(Mqtt5SubAckException.class);
        c.disconnect();
    }

    @Test
    void deletingOrRevokingAServiceEndsItsSession() {
        for (String how : new String[] {"delete", "revoke"}) {
            String id = "sp-ended-" + how;
            String token = TestServices.token(anonymous, base, TestServices.register(admin, id, "default", GRANTS), null);
            AtomicReference<Throwable> gone = new AtomicReference<>();
            Mqtt5BlockingClient c = connect(id, token, gone);
            HttpResponse<String> r = how.equals("delete") ? admin.delete("/admin/services/" + id)
                    : admin.postJson("/admin/revocations", new JsonObject().put("sub", id).encode());
            assertThat(r.statusCode()).as(r.body()).isBetween(200, 204);
            await().atMost(Duration.ofSeconds(10)).until(() -> gone.get() != null);
            assertThatThrownBy(() -> connect(id, token)).as(how).isInstanceOf(Mqtt5ConnAckException.class);
        }
    }

    /** Captures every log line (the audit logger's included) while {@code body} runs. */
    static List<ILoggingEvent> logsOf(ThrowingRunnable body) throws Exception {
        try (LogCapture logs = LogCapture.root()) {
            body.run();
            return logs.events();
        }
    }

    /** A log event's message and its structured fields (the audit log's fields travel as arguments). */
    static String text(ILoggingEvent e) {
        return e.getFormattedMessage() + java.util.Arrays.toString(e.getArgumentArray());
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void anOperatorSendsADeviceAOneOffCommandOverHttp() throws Exception {
        List<ILoggingEvent> logs = logsOf(this::sendCommands);
        assertThat(logs).filteredOn(e -> e.getLoggerName().equals("audit"))
                .anyMatch(e -> text(e).contains("device.command") && text(e).contains("d/sp-cmd/down/config/set"));
        assertThat(logs).as("the payload's fingerprint is audited, never its content")
                .noneMatch(e -> text(e).contains("interval"));
    }

    private void sendCommands() throws Exception {
        String token = TestDevices.token(anonymous, base, TestDevices.register(admin, "sp-cmd", "acme"));
        Mqtt5BlockingClient pump = connect("sp-cmd", token);
        try (var in = pump.publishes(MqttGlobalPublishFilter.ALL)) {
            pump.subscribeWith().topicFilter("d/sp-cmd/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            HttpResponse<String> r = admin.postJson("/admin/devices/sp-cmd/commands",
                    new JsonObject().put("topic", "config/set").put("payload", "{\"interval\":60}").put("qos", 1).encode());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(new JsonObject(r.body()).getString("topic")).isEqualTo("d/sp-cmd/down/config/set");
            assertThat(new JsonObject(r.body()).getInteger("subscribers")).isEqualTo(1);
            Mqtt5Publish command = receive(in).orElseThrow();
            assertThat(command.getTopic().toString()).isEqualTo("d/sp-cmd/down/config/set");
            assertThat(new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"interval\":60}");

            HttpResponse<String> binary = admin.postJson("/admin/devices/sp-cmd/commands",
                    new JsonObject().put("topic", "blob").put("payloadBase64", "AAEC").encode());
            assertThat(binary.statusCode()).as(binary.body()).isEqualTo(202);
            assertThat(receive(in).orElseThrow().getPayloadAsBytes()).containsExactly(0, 1, 2);
        } finally {
            pump.disconnect();
        }
        assertThat(admin.postJson("/admin/devices/sp-nobody/commands",
                new JsonObject().put("topic", "reboot").put("payload", "x").encode()).statusCode()).isEqualTo(404);
        assertThat(anonymous.postJson("/admin/devices/sp-cmd/commands",
                new JsonObject().put("topic", "reboot").put("payload", "x").encode()).statusCode()).isEqualTo(401);
    }

    @Test
    void hostileCommandsAreRefused() throws Exception {
        List<ILoggingEvent> logs = logsOf(this::sendHostileCommands);
        assertThat(logs).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null);
        assertThat(logs).filteredOn(e -> e.getLoggerName().equals("audit"))
                .noneMatch(e -> text(e).contains("device.command"));
    }

    private void sendHostileCommands() {
        TestDevices.register(admin, "sp-cmd-hostile");
        JsonObject ok = new JsonObject().put("topic", "reboot").put("payload", "x");
        for (JsonObject bad : new JsonObject[] {
                ok.copy().put("topic", "+"), ok.copy().put("topic", "a/#"), ok.copy().put("topic", "$SYS/x"),
                ok.copy().put("topic", ""), ok.copy().put("topic", "a//b"), ok.copy().put("topic", "../up/temp"),
                ok.copy().put("topic", "a/b/c/d/e/f/g/h/i"), ok.copy().put("topic", 7), new JsonObject().put("payload", "x"),
                ok.copy().put("topic", "up\u0000x"), ok.copy().put("topic", "a/./b"),
                ok.copy().put("qos", 2), ok.copy().put("qos", "1"), ok.copy().put("qos", 1.5),
                ok.copy().put("payloadBase64", "AAEC"), new JsonObject().put("topic", "reboot"),
                ok.copy().put("payload", "x".repeat(16 * 1024 + 1)), ok.copy().put("retain", true),
                ok.copy().put("payload", 5), new JsonObject().put("topic", "x").put("payloadBase64", "!!")}) {
            HttpResponse<String> r = admin.postJson("/admin/devices/sp-cmd-hostile/commands", bad.encode());
            assertThat(r.statusCode()).as(bad.encode() + " -> " + r.body()).isEqualTo(400);
        }
        assertThat(admin.postJson("/admin/devices/sp-cmd-hostile/commands", "[]").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/devices/sp-cmd-hostile/commands",
                "{\"topic\":\"x\",\"payload\":\"" + "a".repeat(70_000) + "\"}").statusCode()).isEqualTo(413);
    }
}
