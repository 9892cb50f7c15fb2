package io.edgeauth.simulator.coap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.EndpointContextMatcher;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.UDPConnector;
import org.eclipse.californium.elements.UdpEndpointContext;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.exception.EndpointMismatchException;

/**
 * Californium's plain UDP connector over a non-blocking socket that a shared {@link DatagramLoop} reads, the plain
 * CoAP counterpart of {@link LoopDtlsConnector}. With {@code UDP_RECEIVER_THREAD_COUNT} and
 * {@code UDP_SENDER_THREAD_COUNT} at 0 the base starts no thread; the loop hands each datagram to
 * {@link #processDatagram}, and {@link #send} writes on the caller's thread (a CoAP executor thread) instead of
 * queueing for a sender thread. Before, each plain-CoAP session ran a receiver and a sender thread of its own
 * (about 16,000 threads in a herd of 8,000). Californium has no connector that shares threads across sockets,
 * hence this class. Thread-safe, as its base.
 */
final class LoopUdpConnector extends UDPConnector {
    private final DatagramLoop loop;
    private volatile DatagramChannel channel;
    private volatile EndpointContextMatcher matcher;

    LoopUdpConnector(InetSocketAddress address, Configuration config, DatagramLoop loop) {
        super(address, config);
        if (config.get(UdpConfig.UDP_RECEIVER_THREAD_COUNT) != 0 || config.get(UdpConfig.UDP_SENDER_THREAD_COUNT) != 0) {
            throw new IllegalArgumentException("the loop reads and callers send: UDP_*_THREAD_COUNT must be 0");
        }
        this.loop = loop;
    }

    @Override
    public synchronized void start() throws IOException {
        if (isRunning()) {
            return;
        }
        channel = loop.open(ch -> {
            ch.bind(localAddr);
            init(ch.socket()); // sets the buffers, starts no thread
        }, this::processDatagram);
    }

    @Override
    public void setEndpointContextMatcher(EndpointContextMatcher matcher) {
        super.setEndpointContextMatcher(matcher);
        this.matcher = matcher;
    }

    /** What the base's sender thread does with a queued message, done at once. */
    @Override
    public void send(RawData message) {
        InetSocketAddress destination = message.getEndpointContext().getPeerAddress();
        DatagramChannel ch = channel;
        if (!isRunning() || ch == null || !ch.isOpen()) {
            message.onError(new IOException("socket of " + getAddress() + " is closed"));
            return;
        }
        if (destination.getPort() == 0) {
            message.onError(new IOException("CoAP message to " + destination + " dropped, destination port 0"));
            return;
        }
        EndpointContext connection = new UdpEndpointContext(destination);
        EndpointContextMatcher m = matcher;
        if (m != null && !m.isToBeSent(message.getEndpointContext(), connection)) {
            message.onError(new EndpointMismatchException("UDP sending"));
            return;
        }
        try {
            message.onContextEstablished(connection);
            // a full socket buffer drops the datagram (0 bytes sent), as the kernel may drop any datagram later:
            // confirmable messages are retransmitted, so it is reported sent and its retransmission timer runs
            ch.send(ByteBuffer.wrap(message.getBytes()), destination);
            message.onSent();
        } catch (IOException e) {
            message.onError(e);
        }
    }
}
