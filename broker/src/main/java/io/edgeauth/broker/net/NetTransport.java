package io.edgeauth.broker.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.vertx.core.transport.Transport;
import java.util.Optional;

/**
 * The socket layer under the broker's TCP listeners (MQTT, MQTT over TLS and WebSocket, HTTP): Linux's epoll
 * through Netty's native transport, or Java NIO. Both listener stacks use the same one: the MQTT edge's own
 * Netty loops and Vert.x's HTTP servers.
 *
 * <p>Why epoll where Linux has it: every device of a connect storm opens, authenticates and closes a TCP
 * connection, and NIO's selector adds a registration lock, a selected-key set and a wake-up pipe to each of those
 * steps; Netty's epoll transport calls epoll directly (edge-triggered). CoAP keeps Californium's own UDP sockets.
 */
public enum NetTransport {
    /** Netty's native epoll transport (Linux, x86_64 and aarch64 builds shipped). */
    EPOLL,
    /** Java NIO: every platform. */
    NIO;

    /**
     * The transport for {@code network.nativeTransport}: epoll when asked for and this platform loads it, else NIO
     * (then {@link #nativeUnavailability} says why).
     */
    public static NetTransport choose(boolean nativeTransport) {
        return nativeTransport && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The transport {@code vertx} runs on, for listeners that should share it. */
    public static NetTransport of(io.vertx.core.Vertx vertx) {
        return vertx.isNativeTransportEnabled() && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** Why the native transport does not load here, if it does not. */
    public static Optional<Throwable> nativeUnavailability() {
        return Optional.ofNullable(Epoll.unavailabilityCause());
    }

    /** The I/O handlers of a Netty event loop group on this transport. */
    public IoHandlerFactory ioHandlers() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** The server socket channel class that fits {@link #ioHandlers}. */
    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The same transport for Vert.x. */
    public Transport vertx() {
        return this == EPOLL ? Transport.EPOLL : Transport.NIO;
    }

    /** Lower-case name, as {@code /health} reports it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
