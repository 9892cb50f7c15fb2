package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reading what a client sent: MQTT 5 properties (typed, absent-safe), user properties as routed pairs, and the
 * token in a CONNECT password (a base64url CWT decoded). Pure functions over decoded packets; stateless.
 */
final class MqttFields {
    private MqttFields() {
    }

    /**
     * A password without dots that is valid base64url is a CWT sent as text (what {@code /oauth/token} returns):
     * decode it to the raw CWT. A raw CWT (binary COSE, which never reads as base64url: it starts with a CBOR tag
     * or array byte) and a JWT pass unchanged.
     */
    static byte[] normalize(byte[] token) {
        for (byte b : token) {
            boolean b64 = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
            if (!b64) {
                return token;
            }
        }
        try {
            return Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return token;
        }
    }

    static String stringProperty(MqttProperties props, int id) {
        MqttProperties.MqttProperty<?> p = props == null ? null : props.getProperty(id);
        return p != null && p.value() instanceof String s ? s : null;
    }

    static byte[] binaryProperty(MqttProperties props, int id) {
        MqttProperties.MqttProperty<?> p = props == null ? null : props.getProperty(id);
        return p != null && p.value() instanceof byte[] b ? b : null;
    }

    static Integer intProperty(MqttProperties props, int id) {
        MqttProperties.MqttProperty<?> p = props == null ? null : props.getProperty(id);
        return p != null && p.value() instanceof Integer i ? i : null;
    }

    static String userProperty(MqttProperties props, String name) {
        return userProperty(userProperties(props), name);
    }

    static String userProperty(List<RoutedMessage.UserProperty> properties, String name) {
        for (RoutedMessage.UserProperty up : properties) {
            if (up.name().equals(name)) {
                return up.value();
            }
        }
        return null;
    }

    /**
     * The properties of a PUBLISH or will that travel with its message to subscribers (MQTT 5 §3.3.2.3), the
     * expiry counted from now on {@code clock}; {@link MessageAttributes#NONE} when it has none.
     */
    static MessageAttributes attributes(MqttProperties props, java.time.Clock clock) {
        if (props == null || props.isEmpty()) { // isEmpty() leaves user properties out: none of these is one
            return MessageAttributes.NONE; // the common case: no clock read
        }
        return MessageAttributes.of(clock.millis(), intProperty(props, MqttProperties.PUBLICATION_EXPIRY_INTERVAL),
                intProperty(props, MqttProperties.PAYLOAD_FORMAT_INDICATOR), stringProperty(props, MqttProperties.CONTENT_TYPE),
                stringProperty(props, MqttProperties.RESPONSE_TOPIC), binaryProperty(props, MqttProperties.CORRELATION_DATA));
    }

    static List<RoutedMessage.UserProperty> userProperties(MqttProperties props) {
        // not props.isEmpty(): Netty keeps user properties apart and isEmpty() does not count them
        if (props == null) {
            return List.of();
        }
        List<? extends MqttProperties.MqttProperty> all = props.getProperties(MqttProperties.USER_PROPERTY);
        if (all == null || all.isEmpty()) {
            return List.of();
        }
        List<RoutedMessage.UserProperty> out = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> p : all) {
            if (p instanceof MqttProperties.UserProperties ups) {
                for (MqttProperties.StringPair pair : ups.value()) {
                    out.add(new RoutedMessage.UserProperty(pair.key, pair.value));
                }
            } else if (p instanceof MqttProperties.UserProperty up) {
                out.add(new RoutedMessage.UserProperty(up.value().key, up.value().value));
            }
        }
        return out;
    }
}
