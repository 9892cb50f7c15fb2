package io.edgeauth.device.internal;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** The short, stable names of MQTT failures for {@code DeviceMqttClient.failureReason}. Not part of the API. */
public final class MqttFailures {
    private MqttFailures() {
    }

    /** The failure under any {@code CompletionException} / {@code ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * {@code 0} (no hint: back off exponentially) when the broker shed a CONNECT: MQTT 5 CONNACK 0x89 Server busy
     * or 0x97 Quota exceeded; MQTT 3.1.1 return code 3 (server unavailable, its only code for it);
     * {@link BusyRetry#NOT_BUSY} for anything else. MQTT 5's 0x88 Server unavailable (the broker's store is out,
     * which may last) is left to the application's reconnect policy. A connection the broker closed while it was
     * being set up, before any answer (HiveMQ's {@code ConnectionFailedException} caused by a closed channel or a
     * connection reset), is also retried: the broker sheds a TLS connection that way when too many handshakes are
     * pending, and a TLS refusal comes with an alert instead (an {@code SSLHandshakeException}, not retried).
     */
    public static long busyHint(Throwable t) {
        if (t instanceof Mqtt5ConnAckException e) {
            Mqtt5ConnAckReasonCode code = ((Mqtt5ConnAck) e.getMqttMessage()).getReasonCode();
            return code == Mqtt5ConnAckReasonCode.SERVER_BUSY || code == Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED
                    ? 0 : BusyRetry.NOT_BUSY;
        }
        if (t instanceof Mqtt3ConnAckException e) {
            return ((Mqtt3ConnAck) e.getMqttMessage()).getReturnCode() == Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE
                    ? 0 : BusyRetry.NOT_BUSY;
        }
        if (t instanceof ConnectionFailedException && closedBeforeAnswer(t.getCause())) {
            return 0;
        }
        return BusyRetry.NOT_BUSY;
    }

    /**
     * The broker closed the connection it had accepted: a plain close, or a TCP reset, which is what a close looks
     * like when the client's ClientHello had already arrived. Depending on what the client was doing, the reset
     * comes straight ("Connection reset", "Connection reset by peer") or under the TLS handler's write failure
     * ("Broken pipe"); the JDK has no exception type for either, so the cause chain is searched for them. On
     * Netty's native epoll transport, which HiveMQ's client takes when it is on the classpath, the same reset reads
     * "recvAddress(..) failed with error(-104): Connection reset by peer", hence "contains". A refused or
     * unreachable address ({@code ConnectException}) is not a shed, nor is a TLS alert (no reset in its chain).
     */
    private static boolean closedBeforeAnswer(Throwable cause) {
        for (Throwable c = cause; c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            String message = c.getMessage();
            if (c instanceof java.io.IOException && !(c instanceof java.net.ConnectException) && message != null
                    && (message.contains("Connection reset") || message.contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if the (unwrapped) failure says the broker does not, or no longer, accept the token the client presented,
     * so that a new token, not the same one again, is what the next connection needs: MQTT 5 CONNACK 0x86 (bad user
     * name or password: the edgeauth broker's {@code expired}, {@code unknown_key}, {@code bad_signature}, ...) or
     * 0x87 (not authorized: {@code revoked}, {@code key_revoked}, ...), MQTT 3.1.1 return codes 4 and 5, and MQTT 5
     * DISCONNECT 0x87 (the broker ends a session whose token was revoked, or whose renewal it refused) or 0xA0
     * (maximum connect time: the edgeauth broker's {@code expired}, the token ran out without a renewal). The
     * broker's reason strings refine these codes but never change the answer, so the code alone decides. Not 0x8C
     * (bad authentication method): the broker does not know the method, and no token changes that.
     */
    public static boolean tokenRefused(Throwable t) {
        if (t instanceof Mqtt5ConnAckException e) {
            Mqtt5ConnAckReasonCode code = ((Mqtt5ConnAck) e.getMqttMessage()).getReasonCode();
            return code == Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD || code == Mqtt5ConnAckReasonCode.NOT_AUTHORIZED;
        }
        if (t instanceof Mqtt3ConnAckException e) {
            Mqtt3ConnAckReturnCode code = ((Mqtt3ConnAck) e.getMqttMessage()).getReturnCode();
            return code == Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD || code == Mqtt3ConnAckReturnCode.NOT_AUTHORIZED;
        }
        if (t instanceof Mqtt5DisconnectException e) {
            Mqtt5DisconnectReasonCode code = ((Mqtt5Disconnect) e.getMqttMessage()).getReasonCode();
            return code == Mqtt5DisconnectReasonCode.NOT_AUTHORIZED || code == Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME;
        }
        return false;
    }

    private static final String RECEIVED_ALERT = "Received fatal alert: ";

    /**
     * The TLS alert the broker refused the handshake with ({@code certificate_expired}, {@code unknown_ca}, ...), from
     * the JDK's {@code SSLHandshakeException} message in the cause chain, or null: a device learns why its
     * certificate was refused without reading the stack.
     */
    private static String receivedTlsAlert(Throwable t) {
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (c instanceof javax.net.ssl.SSLException && m != null && m.startsWith(RECEIVED_ALERT)) {
                String alert = m.substring(RECEIVED_ALERT.length()).trim();
                return alert.matches("[a-z_]{1,40}") ? alert : null;
            }
        }
        return null;
    }

    /**
     * The reason string an MQTT 5 broker gave with a refusal (CONNACK, PUBACK or DISCONNECT) of the (unwrapped) failure,
     * cut to 200 printable characters, or null: none given, or not a refusal.
     */
    public static String brokerReason(Throwable t) {
        java.util.Optional<com.hivemq.client.mqtt.datatypes.MqttUtf8String> reason;
        if (t instanceof Mqtt5ConnAckException e) {
            reason = ((Mqtt5ConnAck) e.getMqttMessage()).getReasonString();
        } else if (t instanceof Mqtt5PubAckException e) {
            reason = ((Mqtt5PubAck) e.getMqttMessage()).getReasonString();
        } else if (t instanceof Mqtt5DisconnectException e) {
            reason = ((Mqtt5Disconnect) e.getMqttMessage()).getReasonString();
        } else {
            return null;
        }
        return reason.map(r -> {
            String text = r.toString().replaceAll("\\p{Cntrl}", "?"); // the broker's text goes into the device's log
            return text.length() <= 200 ? text : text.substring(0, 200) + "...";
        }).orElse(null);
    }

    /** The name of an (unwrapped) MQTT failure; see {@code DeviceMqttClient.failureReason(Throwable)}. */
    public static String reason(Throwable t) {
        if (t instanceof Mqtt5ConnAckException) {
            return "connack:" + ((Mqtt5ConnAck) ((Mqtt5ConnAckException) t).getMqttMessage()).getReasonCode();
        }
        if (t instanceof Mqtt3ConnAckException) {
            return "connack:" + ((Mqtt3ConnAck) ((Mqtt3ConnAckException) t).getMqttMessage()).getReturnCode();
        }
        if (t instanceof Mqtt5PubAckException) {
            return "puback:" + ((Mqtt5PubAck) ((Mqtt5PubAckException) t).getMqttMessage()).getReasonCode();
        }
        if (t instanceof Mqtt5DisconnectException) {
            return "disconnect:" + ((Mqtt5Disconnect) ((Mqtt5DisconnectException) t).getMqttMessage()).getReasonCode();
        }
        if (t instanceof ConnectionFailedException || t instanceof ConnectionClosedException) {
            String alert = receivedTlsAlert(t);
            return alert != null ? "tls_alert:" + alert
                    : t instanceof ConnectionFailedException ? "connection_failed" : "connection_closed";
        }
        if (t instanceof TimeoutException) {
            return "timeout";
        }
        return t.getClass().getSimpleName();
    }
}
