package io.edgeauth.broker.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * All publishers of a load run on one thread and one selector, non-blocking. Each owns a direct buffer
 * of pre-encoded PUBLISH frames; a refill only stamps the send time (one clock read per batch), the
 * publisher index, the sequence numbers and, for QoS 1, the packet ids, then the whole batch goes out in
 * one write. A publisher whose socket is full waits for OP_WRITE, so a broker that stops reading (its
 * backpressure) slows exactly that publisher. QoS 1: at most {@code window} PUBLISHes await a PUBACK per
 * publisher (the smaller of the configured window and the broker's MQTT 5 Receive Maximum); PUBACKs are
 * parsed from the same sockets and counted, with any reason code of 0x80 or more counted as refused.
 */
final class MqttLoadPublishers {
    private final Selector selector;
    private final Publisher[] publishers;
    private long refused;

    /** One connected publisher (blocking mode is switched off here). */
    record Connection(SocketChannel channel, String topic, int window) {
    }

    MqttLoadPublishers(List<Connection> connections, int level, int qos, int perPublisher, int payloadSize,
                       int batch) throws IOException {
        selector = Selector.open();
        publishers = new Publisher[connections.size()];
        for (int i = 0; i < publishers.length; i++) {
            Connection c = connections.get(i);
            c.channel().configureBlocking(false);
            publishers[i] = new Publisher(i, c, level, qos, perPublisher, payloadSize, batch);
            publishers[i].key = c.channel().register(selector, 0, publishers[i]);
        }
    }

    /** Sends everything (and for QoS 1 waits for every PUBACK); returns when done or on timeout. */
    void run(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        int active = publishers.length;
        for (Publisher p : publishers) {
            p.pump();
            if (p.done()) {
                active--;
            }
        }
        while (active > 0 && System.nanoTime() < deadline) {
            selector.select(100);
            for (SelectionKey k : selector.selectedKeys()) {
                Publisher p = (Publisher) k.attachment();
                boolean wasDone = p.done();
                if (k.isValid() && k.isReadable()) {
                    p.readAcks();
                }
                p.pump();
                if (!wasDone && p.done()) {
                    active--;
                }
            }
            selector.selectedKeys().clear();
        }
        for (Publisher p : publishers) {
            refused += p.refused;
        }
    }

    long sent() {
        long n = 0;
        for (Publisher p : publishers) {
            n += p.next;
        }
        return n;
    }

    long acked() {
        long n = 0;
        for (Publisher p : publishers) {
            n += p.acked;
        }
        return n;
    }

    long refused() {
        return refused;
    }

    void close() throws IOException {
        selector.close();
    }

    private static final class Publisher {
        final int index;
        final SocketChannel channel;
        final int qos;
        final int total;
        final int window;
        final int batch;
        final int frameLength;
        final int payloadOffset;
        final int idOffset;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        final boolean[] inUse = new boolean[65536];
        SelectionKey key;
        int next;
        int inflight;
        int nextId = 1;
        long acked;
        long refused;

        Publisher(int index, Connection c, int level, int qos, int total, int payloadSize, int batch) {
            this.index = index;
            this.channel = c.channel();
            this.qos = qos;
            this.total = total;
            this.window = qos > 0 ? Math.max(1, c.window()) : Integer.MAX_VALUE;
            this.batch = qos > 0 ? Math.min(batch, this.window) : batch;
            byte[] frame = MqttWire.publish(level, c.topic(), qos, payloadSize);
            frameLength = frame.length;
            payloadOffset = frame.length - payloadSize;
            idOffset = MqttWire.packetIdOffset(frame, c.topic());
            out = ByteBuffer.allocateDirect(frameLength * this.batch);
            for (int i = 0; i < this.batch; i++) {
                out.put(frame);
            }
            out.flip().limit(0); // nothing pending
        }

        boolean done() {
            return next >= total && !out.hasRemaining() && (qos == 0 || inflight == 0);
        }

        /** Writes as much as the socket takes, refilling the batch while the window allows. */
        void pump() throws IOException {
            while (true) {
                if (!out.hasRemaining() && !refill()) {
                    break;
                }
                channel.write(out);
                if (out.hasRemaining()) {
                    break; // socket full: OP_WRITE below
                }
            }
            int ops = (out.hasRemaining() ? SelectionKey.OP_WRITE : 0) | (qos > 0 ? SelectionKey.OP_READ : 0);
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }

        private boolean refill() {
            int want = Math.min(batch, total - next);
            int room = window - inflight;
            // QoS 1: wait for a quarter of the window to come back rather than write one-frame batches
            if (want <= 0 || room <= 0 || (qos > 0 && room < Math.min(want, Math.max(1, window / 4)))) {
                return false;
            }
            int n = Math.min(want, room);
            long now = System.nanoTime();
            out.clear(); // absolute puts are checked against the limit
            for (int f = 0; f < n; f++) {
                int base = f * frameLength;
                out.putLong(base + payloadOffset, now);
                out.putInt(base + payloadOffset + 8, index);
                out.putInt(base + payloadOffset + 12, next++);
                if (qos > 0) {
                    int id = takeId();
                    out.put(base + idOffset, (byte) (id >>> 8));
                    out.put(base + idOffset + 1, (byte) id);
                }
            }
            inflight += qos > 0 ? n : 0;
            out.limit(n * frameLength).position(0);
            return true;
        }

        private int takeId() {
            while (inUse[nextId]) {
                nextId = nextId == 65535 ? 1 : nextId + 1;
            }
            int id = nextId;
            inUse[id] = true;
            nextId = nextId == 65535 ? 1 : nextId + 1;
            return id;
        }

        void readAcks() throws IOException {
            if (channel.read(in) < 0) {
                throw new IOException("publisher " + index + ": broker closed the connection");
            }
            byte[] a = in.array();
            int end = in.position();
            int pos = 0;
            while (end - pos >= 2) {
                int first = a[pos] & 0xFF;
                int length = a[pos + 1] & 0xFF; // acks are short: one remaining-length byte
                if (length > 127) {
                    throw new IOException("unexpected packet from broker: type " + (first >>> 4));
                }
                if (end - pos - 2 < length) {
                    break;
                }
                if (first >>> 4 == MqttWire.PUBACK) {
                    int id = ((a[pos + 2] & 0xFF) << 8) | (a[pos + 3] & 0xFF);
                    if (inUse[id]) {
                        inUse[id] = false;
                        inflight--;
                        acked++;
                        if (length >= 3 && (a[pos + 4] & 0xFF) >= 0x80) {
                            refused++;
                        }
                    }
                } else if (first >>> 4 == MqttWire.DISCONNECT) {
                    throw new IOException("publisher " + index + ": broker sent DISCONNECT");
                }
                pos += 2 + length;
            }
            System.arraycopy(a, pos, a, 0, end - pos);
            in.position(end - pos);
        }
    }
}
