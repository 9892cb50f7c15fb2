package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import io.edgeauth.broker.auth.Protocol;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MqttConnectTest {
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void acceptsV5AndV3AndCountsSessions() {
        Mqtt5BlockingClient c5 = Clients.connectV5("dev1", fx.port(), token("dev1", "tenantA", 60));
        var c3 = Clients.connectV3("dev2", fx.port(), token("dev2", "tenantA", 60));
        await().untilAsserted(() -> assertThat(fx.edge.liveSessions()).isEqualTo(2));
        assertThat(fx.meters.find("edgeauth.mqtt.sessions").tags("tenant", "tenantA", "protocol", "mqtt").gauge().value())
                .isEqualTo(2);
        assertThat(fx.pipeline.requests).allSatisfy(r -> {
            assertThat(r.transport().protocol()).isEqualTo(Protocol.MQTT);
            assertThat(r.transport().secureChannel()).isFalse();
            assertThat(r.transport().remoteAddress().getAddress().isLoopbackAddress()).isTrue();
        });
        c5.disconnect();
        c3.disconnect();
        await().untilAsserted(() -> assertThat(fx.edge.liveSessions()).isZero());
        assertThat(fx.counter("edgeauth.mqtt.connects", "outcome", "accepted")).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({
        "reject:bad_signature, BAD_USER_NAME_OR_PASSWORD, BAD_USER_NAME_OR_PASSWORD",
        "reject:expired, BAD_USER_NAME_OR_PASSWORD, BAD_USER_NAME_OR_PASSWORD",
        "reject:revoked, NOT_AUTHORIZED, NOT_AUTHORIZED",
        "reject:binding_mismatch, NOT_AUTHORIZED, NOT_AUTHORIZED",
        "reject:rate_limited, QUOTA_EXCEEDED, NOT_AUTHORIZED",
        "reject:internal_error, UNSPECIFIED_ERROR, SERVER_UNAVAILABLE",
        "reject:temporarily_unavailable, SERVER_UNAVAILABLE, SERVER_UNAVAILABLE",
        "garbage-not-a-token, BAD_USER_NAME_OR_PASSWORD, BAD_USER_NAME_OR_PASSWORD",
    })
    void refusesWithTheCodeOfTheCategory(String tokenText, Mqtt5ConnAckReasonCode v5, Mqtt3ConnAckReturnCode v3) {
        assertThatThrownBy(() -> Clients.connectV5("dev1", fx.port(), tokenText))
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(v5));
        assertThatThrownBy(() -> Clients.connectV3("dev1", fx.port(), tokenText))
                .isInstanceOfSatisfying(Mqtt3ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReturnCode()).isEqualTo(v3));
        assertThat(fx.edge.liveSessions()).isZero();
    }

    @Test
    void clientIdMustBeTheSubject() {
        assertThatThrownBy(() -> Clients.connectV5("other", fx.port(), token("dev1", "tenantA", 60)))
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }

    /**
     * The user name is the device id or empty (docs/contract.md). It was ignored, so a CONNECT whose user name named
     * another device was accepted for the token's device, and anything that read the user name was misled.
     */
    @Test
    void aUserNameIsTheTokensSubjectOrEmpty() {
        Mqtt5BlockingClient named = Clients.v5("dev1", fx.port()).buildBlocking();
        assertThatThrownBy(() -> named.connectWith().simpleAuth().username("dev2")
                .password(bytes(token("dev1", "tenantA", 60))).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        Mqtt5BlockingClient same = Clients.v5("dev1", fx.port()).buildBlocking();
        same.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "tenantA", 60))).applySimpleAuth()
                .send();
        same.disconnect();
        Mqtt5BlockingClient none = Clients.v5("dev1", fx.port()).buildBlocking();
        none.connectWith().simpleAuth().password(bytes(token("dev1", "tenantA", 60))).applySimpleAuth().send();
        none.disconnect();
    }

    @Test
    void missingOversizedAndBinaryGarbagePasswordsAreBadCredentials() {
        Mqtt5BlockingClient noPassword = Clients.v5("dev1", fx.port()).buildBlocking();
        assertThatThrownBy(() -> noPassword.connectWith().simpleAuth().username("dev1").applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        String huge = "x".repeat(9000);
        assertThatThrownBy(() -> Clients.connectV5("dev1", fx.port(), huge))
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        Mqtt5BlockingClient binary = Clients.v5("dev1", fx.port()).buildBlocking();
        assertThatThrownBy(() -> binary.connectWith().simpleAuth().password(new byte[] {(byte) 0xff, 0, (byte) 0xc3})
                .applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        assertThat(fx.audit).anySatisfy(e -> {
            assertThat(e.event()).isEqualTo("mqtt.connect.refused");
            assertThat(e.outcome()).isEqualTo("oversized");
        });
        assertThat(fx.counter("edgeauth.mqtt.connects", "outcome", "refused", "reason", "oversized")).isEqualTo(1);
        assertThat(fx.pipeline.requests).noneMatch(r -> r.token().length > 8192); // never reached the pipeline
    }

    @Test
    void base64urlPasswordIsDecodedToTheRawCwtAndJwtIsLeftAlone() {
        byte[] cwt = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xff};
        String b64 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(cwt);
        assertThat(MqttFields.normalize(bytes(b64))).isEqualTo(cwt);
        byte[] jwt = bytes("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYxIn0.c2ln");
        assertThat(MqttFields.normalize(jwt)).isSameAs(jwt);
    }

    @Test
    void enhancedAuthDataIsBinarySafe() {
        // raw bytes in AUTHENTICATION_DATA reach the pipeline unchanged (the test pipeline then calls them malformed)
        Mqtt5BlockingClient c = Clients.v5("dev1", fx.port()).buildBlocking();
        TokenAuth binary = new TokenAuth(MqttEdge.AUTH_METHOD, "x", "y") {
            @Override
            public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder b) {
                b.data(new byte[] {(byte) 0xd2, (byte) 0x84, 0x00, (byte) 0xff});
                return CompletableFuture.completedFuture(null);
            }
        };
        assertThatThrownBy(() -> c.connectWith().enhancedAuth(binary).send())
                .isInstanceOf(Mqtt5ConnAckException.class);
        assertThat(fx.pipeline.requests.get(0).token()).containsExactly((byte) 0xd2, (byte) 0x84, 0x00, (byte) 0xff);
    }

    /**
     * Tour K, K7: MQTT 5 has a server assign an id to a client that sends none (§3.1.3.1), whatever its Clean Start;
     * only MQTT 3.1.1 refuses an empty id that asks to resume (CONNACK 2). The edge refused both with 0x85. A device
     * gets its own id, so Clean Start 0 resumes its session.
     */
    @Test
    void anEmptyClientIdWithCleanStartZeroGetsItsOwnIdAndSessionInMqtt5() {
        for (boolean present : new boolean[] {false, true}) {
            Mqtt5BlockingClient c = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1")
                    .serverPort(fx.port()).buildBlocking();
            Mqtt5ConnAck ack = c.connectWith().cleanStart(false).sessionExpiryInterval(300).simpleAuth().username("dev1")
                    .password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
            assertThat(ack.getAssignedClientIdentifier()).hasValueSatisfying(id -> assertThat(id.toString()).isEqualTo("dev1"));
            assertThat(ack.isSessionPresent()).isEqualTo(present);
            c.disconnect();
        }
    }

    @Test
    void clientIdTooLongIsRefused() {
        String id = "d".repeat(200);
        assertThatThrownBy(() -> Clients.connectV5(id, fx.port(), token(id, "t", 60)))
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
    }

    @Test
    void unknownAuthenticationMethodIsRefused() {
        Mqtt5BlockingClient c = Clients.v5("dev1", fx.port()).buildBlocking();
        assertThatThrownBy(() -> c.connectWith().enhancedAuth(new TokenAuth("SCRAM-SHA-1", "x", "y")).send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD));
    }

    @Test
    void enhancedAuthCarriesTheTokenAndAuthRenewsIt() {
        TokenAuth auth = new TokenAuth(MqttEdge.AUTH_METHOD, token("dev1", "t", 60), token("dev1", "t", 120));
        Mqtt5BlockingClient c = Clients.v5("dev1", fx.port()).buildBlocking();
        Mqtt5ConnAck ack = c.connectWith().enhancedAuth(auth).send();
        assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        c.reauth();
        assertThat(fx.pipeline.requests).hasSize(2);
        assertThat(fx.audit).anySatisfy(e -> assertThat(e.event()).isEqualTo("mqtt.session.renewed"));
        c.disconnect();
    }

    /** Sends the first token at CONNECT and the second on re-authentication. */
    static class TokenAuth implements Mqtt5EnhancedAuthMechanism {
        private final String method;
        private final byte[] first;
        private final byte[] renewed;

        TokenAuth(String method, String first, String renewed) {
            this.method = method;
            this.first = bytes(first);
            this.renewed = bytes(renewed);
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(method);
        }

        @Override
        public int getTimeout() {
            return 10;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder b) {
            b.data(first);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder b) {
            b.data(renewed);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder b) {
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }
    }
}
