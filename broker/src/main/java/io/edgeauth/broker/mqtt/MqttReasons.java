package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.mqtt.wire.ConnectRefusals;
import io.edgeauth.broker.refusal.RefusalCategory;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * The one place where typed refusals become MQTT codes.
 * <ul>
 *   <li>CONNACK, MQTT 5: bad credentials 0x86, not authorized 0x87, quota exceeded 0x97, server error 0x80,
 *       server unavailable (store outage) 0x88, server busy (admission limit: load shed) 0x89, bad authentication
 *       method 0x8C, client id not valid 0x85, a malformed CONNECT 0x81, one that breaks a protocol rule 0x82,
 *       too large 0x95.
 *       MQTT 3.1.1: 4 (bad user name or password) for bad credentials, 5 (not authorized) for not authorized and
 *       quota, 3 (server unavailable) for server errors, outages and load shedding, 2 for a bad client id.</li>
 *   <li>PUBACK and SUBACK (MQTT 5): quota exceeded and too large 0x97, server error or outage 0x80, every other
 *       refusal 0x87.</li>
 *   <li>DISCONNECT (MQTT 5) of a live session: quota exceeded 0x97, too large 0x95, server error 0x80, store outage 0x89 (server
 *       busy), every other refusal
 *       0x87; a session whose token expired without renewal 0xA0 (maximum connect time); sustained publishing
 *       over the rate plan 0x96 (message rate too high); a malformed AUTH 0x82 (protocol error); a SUBSCRIBE with
 *       a Subscription Identifier 0xA1 (CONNACK announces none). Malformed packets and protocol errors the wire
 *       itself finds (0x81, 0x82, 0x95) are the wire's ({@code WireViolation}).</li>
 * </ul>
 * MQTT 3.1.1 has no reason codes after CONNACK: its refusals there are the packet the connection sends instead
 * (a positive PUBACK, SUBACK 0x80) or a closed connection.
 */
public final class MqttReasons {
    private MqttReasons() {
    }

    static final int MQTT_5 = 5;

    /** DISCONNECT for a packet MQTT 5 does not allow (e.g. an AUTH reason code it does not define). */
    static final byte PROTOCOL_ERROR = (byte) 0x82;

    /** CONNACK code for a refusal category. */
    public static MqttConnectReturnCode connack(RefusalCategory category, int protocolVersion) {
        boolean v5 = protocolVersion >= MQTT_5;
        return switch (category) {
            case BAD_CREDENTIALS -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            case QUOTA_EXCEEDED -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            case TOO_LARGE -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_PACKET_TOO_LARGE
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            case UNAVAILABLE -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
            case SERVER_ERROR -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_UNSPECIFIED_ERROR
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
            case BUSY -> v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
        };
    }

    /** CONNACK code for an unknown MQTT 5 authentication method (MQTT 3.1.1 has none). */
    public static MqttConnectReturnCode badAuthMethod(int protocolVersion) {
        return protocolVersion >= MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD
                : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
    }

    /** CONNACK code for a client id over the limit. */
    public static MqttConnectReturnCode badClientId(int protocolVersion) {
        return protocolVersion >= MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
    }

    /** CONNACK code for a will topic that is no valid topic name: MQTT 5 0x90; null for 3.1.1 (closed, §3.1.4). */
    public static MqttConnectReturnCode willTopicInvalid(int protocolVersion) {
        return protocolVersion >= MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID : null;
    }

    /** CONNACK code for a protocol name or level the codec does not know: 0x01 (the version is unknown). */
    public static MqttConnectReturnCode unacceptableProtocolVersion() {
        return MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;
    }

    /** The CONNACK codes for the CONNECTs the wire refuses by itself. */
    static final ConnectRefusals CONNECT_REFUSALS = new ConnectRefusals() {
        @Override
        public MqttConnectReturnCode unacceptableProtocolVersion() {
            return MqttReasons.unacceptableProtocolVersion();
        }

        @Override
        public MqttConnectReturnCode badClientId(int protocolVersion) {
            return MqttReasons.badClientId(protocolVersion);
        }

        @Override
        public MqttConnectReturnCode invalidConnect(boolean protocolError) {
            return protocolError ? MqttConnectReturnCode.CONNECTION_REFUSED_PROTOCOL_ERROR
                    : MqttConnectReturnCode.CONNECTION_REFUSED_MALFORMED_PACKET;
        }
    };

    /** PUBACK code (MQTT 5) for a refused PUBLISH. */
    public static MqttReasonCodes.PubAck puback(RefusalCategory category) {
        return switch (category) {
            // MQTT 5 has no PUBACK code for size (§3.4.2.1); 0x97 is "an administratively imposed limit"
            case QUOTA_EXCEEDED, TOO_LARGE -> MqttReasonCodes.PubAck.QUOTA_EXCEEDED;
            case SERVER_ERROR, UNAVAILABLE, BUSY -> MqttReasonCodes.PubAck.UNSPECIFIED_ERROR;
            case BAD_CREDENTIALS, NOT_AUTHORIZED -> MqttReasonCodes.PubAck.NOT_AUTHORIZED;
        };
    }

    /** SUBACK code (MQTT 5; MQTT 3.1.1 sends 0x80 for any refusal) for a refused topic filter. */
    public static MqttReasonCodes.SubAck suback(RefusalCategory category) {
        return switch (category) {
            case QUOTA_EXCEEDED, TOO_LARGE -> MqttReasonCodes.SubAck.QUOTA_EXCEEDED;
            case SERVER_ERROR, UNAVAILABLE, BUSY -> MqttReasonCodes.SubAck.UNSPECIFIED_ERROR;
            case BAD_CREDENTIALS, NOT_AUTHORIZED -> MqttReasonCodes.SubAck.NOT_AUTHORIZED;
        };
    }

    /** DISCONNECT code (MQTT 5) when a live session's re-check fails. */
    public static MqttReasonCodes.Disconnect disconnect(RefusalCategory category) {
        return switch (category) {
            case QUOTA_EXCEEDED -> MqttReasonCodes.Disconnect.QUOTA_EXCEEDED;
            case TOO_LARGE -> MqttReasonCodes.Disconnect.PACKET_TOO_LARGE;
            case SERVER_ERROR -> MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR;
            case UNAVAILABLE, BUSY -> MqttReasonCodes.Disconnect.SERVER_BUSY;
            case BAD_CREDENTIALS, NOT_AUTHORIZED -> MqttReasonCodes.Disconnect.NOT_AUTHORIZED;
        };
    }

    /** DISCONNECT code (MQTT 5) when the session's token expired and was not renewed: 0xA0. */
    public static MqttReasonCodes.Disconnect sessionExpired() {
        return MqttReasonCodes.Disconnect.MAXIMUM_CONNECT_TIME;
    }

    /** DISCONNECT code (MQTT 5) for a SUBSCRIBE with a Subscription Identifier (CONNACK says none): 0xA1. */
    public static MqttReasonCodes.Disconnect subscriptionIdentifiersUnsupported() {
        return MqttReasonCodes.Disconnect.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED;
    }

    /** DISCONNECT code (MQTT 5) when a client keeps publishing over its rate plan: 0x96. */
    public static MqttReasonCodes.Disconnect rateAbuse() {
        return MqttReasonCodes.Disconnect.MESSAGE_RATE_TOO_HIGH;
    }
}
