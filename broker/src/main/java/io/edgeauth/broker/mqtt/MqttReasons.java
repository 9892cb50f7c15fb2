package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.token.RejectionReason;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;

/**
 * The one place where typed refusals become MQTT codes. MQTT 5 CONNACK: bad credentials 0x86, not
 * authorized 0x87, quota exceeded 0x97, server error 0x80, bad authentication method 0x8C, client id
 * not valid 0x85, server unavailable (store outage) 0x88. MQTT 3.1.1 CONNACK: 4 (bad user name or password) for bad credentials, 5 (not
 * authorized) for not authorized and quota, 3 (server unavailable) for server errors, 2 for a bad
 * client id.
 */
public final class MqttReasons {
    private MqttReasons() {
    }

    static final int MQTT_5 = 5;

    /** CONNACK code for a refusal category. */
    public static MqttConnectReturnCode connack(RejectionReason.Category category, int protocolVersion) {
        boolean v5 = protocolVersion >= MQTT_5;
        switch (category) {
            case BAD_CREDENTIALS:
                return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                        : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED:
                return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            case QUOTA_EXCEEDED:
                return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            case UNAVAILABLE:
                return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
            case SERVER_ERROR:
            default:
                return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_UNSPECIFIED_ERROR
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
        }
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

    /** DISCONNECT code (MQTT 5) when a live session's re-check fails. */
    public static MqttDisconnectReasonCode disconnect(RejectionReason.Category category) {
        switch (category) {
            case QUOTA_EXCEEDED:
                return MqttDisconnectReasonCode.QUOTA_EXCEEDED;
            case UNAVAILABLE:
                return MqttDisconnectReasonCode.SERVER_BUSY;
            case SERVER_ERROR:
                return MqttDisconnectReasonCode.UNSPECIFIED_ERROR;
            case BAD_CREDENTIALS:
            case NOT_AUTHORIZED:
            default:
                return MqttDisconnectReasonCode.NOT_AUTHORIZED;
        }
    }
}
