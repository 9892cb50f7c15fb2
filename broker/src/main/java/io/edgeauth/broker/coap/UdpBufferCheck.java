package io.edgeauth.broker.coap;

import java.net.DatagramSocket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the kernel grants the UDP socket buffers {@code coap.receiveBufferBytes} asks for. Linux caps them at
 * {@code net.core.rmem_max} / {@code wmem_max} without an error (Debian's default is 208 KiB), so a setting that is
 * accepted would silently not be in effect and datagrams would be dropped under load: said once at start. Californium
 * sets the buffers on its own sockets and does not report what it got, hence a probe socket of our own.
 */
final class UdpBufferCheck {
    private static final Logger LOG = LoggerFactory.getLogger(UdpBufferCheck.class);

    private UdpBufferCheck() {
    }

    /** Logs a WARN naming the setting and the sysctl when the kernel grants less; 0 asks for nothing. */
    static void warnIfCapped(int receiveBytes, int sendBytes) {
        shortfall(receiveBytes, sendBytes).ifPresent(LOG::warn);
    }

    static Optional<String> shortfall(int receiveBytes, int sendBytes) {
        try (DatagramSocket probe = new DatagramSocket(null)) {
            List<String> capped = new ArrayList<>();
            if (receiveBytes > 0) {
                probe.setReceiveBufferSize(receiveBytes);
                // Linux reports twice what it reserves for the payload (the doubled value of socket(7)): below the
                // request means capped
                int got = probe.getReceiveBufferSize();
                if (got < receiveBytes) {
                    capped.add("receive buffer " + got + " bytes (net.core.rmem_max)");
                }
            }
            if (sendBytes > 0) {
                probe.setSendBufferSize(sendBytes);
                int got = probe.getSendBufferSize();
                if (got < sendBytes) {
                    capped.add("send buffer " + got + " bytes (net.core.wmem_max)");
                }
            }
            if (capped.isEmpty()) {
                return Optional.empty();
            }
            int asked = Math.max(receiveBytes, sendBytes);
            return Optional.of("coap.receiveBufferBytes is " + asked + " but the kernel grants the CoAP sockets a "
                    + String.join(" and a ", capped) + ": datagrams beyond it are dropped under load; raise the limits"
                    + " (sysctl -w net.core.rmem_max=" + asked + " net.core.wmem_max=" + asked + ") or lower the setting");
        } catch (SocketException e) {
            return Optional.of("could not check the UDP socket buffers coap.receiveBufferBytes asks for: " + e.getMessage());
        }
    }
}
