package io.edgeauth.device.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Which connection failures count as the broker shedding a connection (retried after a backoff). */
class MqttFailuresTest {
    private static long hint(Throwable cause) {
        return MqttFailures.busyHint(new ConnectionFailedException(cause));
    }

    @Test
    void aConnectionTheBrokerClosedOrResetIsAShed() {
        assertThat(hint(new ClosedChannelException())).isZero();
        assertThat(hint(new IOException("Connection reset"))).isZero(); // the JDK's NIO
        assertThat(hint(new IOException("Connection reset by peer"))).isZero();
        assertThat(hint(new IOException("Broken pipe"))).isZero();
        assertThat(hint(new RuntimeException("write failed", new IOException("Broken pipe")))).isZero();
    }

    @Test
    void nettysNativeTransportWordsTheSameResetItsOwnWay() {
        // HiveMQ's client runs on Netty's epoll transport when it is on the classpath (a broker's, for one)
        assertThat(hint(new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"))).isZero();
        assertThat(hint(new IOException("writevAddresses(..) failed with error(-32): Broken pipe"))).isZero();
    }

    @Test
    void aRefusedAddressOrATlsAlertIsNot() {
        assertThat(hint(new ConnectException("Connection refused"))).isEqualTo(BusyRetry.NOT_BUSY);
        assertThat(hint(new SSLHandshakeException("Received fatal alert: handshake_failure"))).isEqualTo(BusyRetry.NOT_BUSY);
        assertThat(hint(new IOException("No route to host"))).isEqualTo(BusyRetry.NOT_BUSY);
    }

    @Test
    void aTlsAlertTheBrokerSentIsNamedInTheReason() {
        // tour W, W9: an expired client certificate read as connection_closed, its alert only in the cause
        assertThat(MqttFailures.reason(new ConnectionClosedException(
                new SSLHandshakeException("Received fatal alert: certificate_expired"))))
                .isEqualTo("tls_alert:certificate_expired");
        assertThat(MqttFailures.reason(new ConnectionFailedException(new RuntimeException("wrapped",
                new SSLHandshakeException("Received fatal alert: unknown_ca"))))).isEqualTo("tls_alert:unknown_ca");
        // the device's own refusal of the server's certificate is no alert it received
        assertThat(MqttFailures.reason(new ConnectionFailedException(
                new SSLHandshakeException("PKIX path validation failed")))).isEqualTo("connection_failed");
    }
}
