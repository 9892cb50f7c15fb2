package io.edgeauth.simulator.coap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;

/**
 * Scandium's DTLS connector over a non-blocking socket that a shared {@link DatagramLoop} reads, instead of a
 * receiver thread of its own blocked on the socket: with {@code DTLS_RECEIVER_THREAD_COUNT = 0} Scandium starts
 * none, the loop hands each datagram to {@link #processDatagram(DatagramPacket)}, and records leave through the
 * channel (a non-blocking send; a full socket buffer drops the datagram, which DTLS retransmission and CoAP
 * confirmable messages already cover). Thread-safe, as its base.
 */
final class LoopDtlsConnector extends DTLSConnector {
    private final DatagramLoop loop;
    private volatile DatagramChannel channel;

    LoopDtlsConnector(DtlsConnectorConfig config, DatagramLoop loop) {
        super(config);
        if (config.get(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT) != 0) {
            throw new IllegalArgumentException("the loop reads the socket: DTLS_RECEIVER_THREAD_COUNT must be 0");
        }
        this.loop = loop;
    }

    @Override
    protected void start(InetSocketAddress bindAddress) throws IOException {
        if (isRunning()) {
            return;
        }
        // init binds the channel, sets the buffers, starts no receiver
        channel = loop.open(ch -> init(bindAddress, ch.socket(), null), this::processDatagram);
    }

    @Override
    protected void sendNextDatagramOverNetwork(DatagramPacket datagram) throws IOException {
        DatagramChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
            throw new IOException("socket of " + getAddress() + " is closed");
        }
        ch.send(ByteBuffer.wrap(datagram.getData(), datagram.getOffset(), datagram.getLength()), datagram.getSocketAddress());
    }
}
