package io.edgeauth.simulator.coap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that reads every registered non-blocking UDP socket (a {@link Selector}) and hands each datagram to
 * its socket's receiver, which must only queue work (Scandium's {@code processDatagram} parses the records and
 * runs them on the connector's executor). It replaces a blocked receiver thread per socket. A socket leaves the
 * loop when it is closed. Thread-safe.
 */
final class DatagramLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatagramLoop.class);
    /** The largest UDP payload: a datagram is never cut short. */
    private static final int MAX_DATAGRAM = 65_535;
    /** Datagrams read from one socket before the others get their turn. */
    private static final int READS_PER_TURN = 16;

    private record Registration(DatagramChannel channel, Consumer<DatagramPacket> receiver) {
    }

    private final Selector selector;
    private final Queue<Registration> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;

    DatagramLoop(String threadName) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector", e);
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** What a connector does with its new non-blocking channel before the loop reads it (bind it, size buffers). */
    interface ChannelSetup {
        void accept(DatagramChannel channel) throws IOException;
    }

    /**
     * Opens a non-blocking channel, lets {@code setup} bind it (closing it if that fails), and reads it from now
     * on, handing each datagram to {@code receiver}.
     */
    DatagramChannel open(ChannelSetup setup, Consumer<DatagramPacket> receiver) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.configureBlocking(false);
            setup.accept(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        register(channel, receiver);
        return channel;
    }

    /** Reads {@code channel} (non-blocking, bound) from now on, handing each datagram to {@code receiver}. */
    void register(DatagramChannel channel, Consumer<DatagramPacket> receiver) {
        pending.add(new Registration(channel, receiver));
        selector.wakeup(); // a register() from here would wait for the running select()
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        while (selector.isOpen()) {
            try {
                selector.select();
                for (Registration r; (r = pending.poll()) != null; ) {
                    try {
                        r.channel().register(selector, SelectionKey.OP_READ, r.receiver());
                    } catch (ClosedChannelException e) {
                        // the session ended before its socket was read: nothing to do
                    }
                }
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (key.isValid()) {
                        drain(key, buffer);
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("UDP loop: {}", e.toString());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void drain(SelectionKey key, ByteBuffer buffer) {
        DatagramChannel channel = (DatagramChannel) key.channel();
        Consumer<DatagramPacket> receiver = (Consumer<DatagramPacket>) key.attachment();
        for (int i = 0; i < READS_PER_TURN; i++) {
            SocketAddress from;
            buffer.clear();
            try {
                from = channel.receive(buffer);
            } catch (IOException e) {
                if (!channel.isOpen()) {
                    key.cancel();
                }
                return;
            }
            if (from == null) {
                return;
            }
            buffer.flip();
            byte[] data = new byte[buffer.remaining()];
            buffer.get(data);
            try {
                receiver.accept(new DatagramPacket(data, data.length, from));
            } catch (RuntimeException e) {
                LOG.warn("UDP loop: a receiver failed: {}", e.toString());
            }
        }
    }

    /** Stops the thread; the sockets stay open (their owners close them). */
    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the selector: {}", e.toString());
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
