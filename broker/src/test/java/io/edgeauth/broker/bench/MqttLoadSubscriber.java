package io.edgeauth.broker.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.BitSet;

/**
 * The load run's one subscriber on its own thread: reads large chunks, walks the PUBLISH frames by
 * fixed header and remaining length, records each message once (publisher index and sequence number
 * from the payload, so duplicates and loss are exact), samples latency from the send timestamp in the
 * payload, and for QoS 1 answers every PUBLISH with a PUBACK, batched into one write per read.
 *
 * <p>Payload layout written by {@link MqttLoadPublishers}: bytes 0-7 {@link System#nanoTime()} at send,
 * 8-11 publisher index, 12-15 sequence number of that publisher.
 */
final class MqttLoadSubscriber implements Runnable {
    /** A read shorter than this (bytes) is followed by a short pause before the next one. */
    static final int SMALL_READ = 16 * 1024;
    static final long COALESCE_NANOS = 50_000;
    private final SocketChannel channel;
    private final int level;
    private final BitSet[] seen;
    private final long[] latencies;
    private volatile long unique;
    private volatile long duplicates;
    private volatile long lastReceiveNanos;
    private volatile boolean stop;
    private volatile Throwable failure;
    private long foreign;

    /**
     * @param channel     connected and subscribed, blocking mode
     * @param level       4 (3.1.1) or 5
     * @param publishers  publisher count
     * @param perPublisher messages each publisher sends
     */
    MqttLoadSubscriber(SocketChannel channel, int level, int publishers, int perPublisher) {
        this.channel = channel;
        this.level = level;
        this.seen = new BitSet[publishers];
        for (int i = 0; i < publishers; i++) {
            seen[i] = new BitSet(perPublisher);
        }
        this.latencies = new long[publishers * perPublisher];
    }

    @Override
    public void run() {
        ByteBuffer in = ByteBuffer.allocate(1 << 20);
        ByteBuffer acks = ByteBuffer.allocateDirect(1 << 20);
        byte[] a = in.array();
        try {
            while (!stop) {
                int n = channel.read(in);
                if (n < 0) {
                    break;
                }
                long now = System.nanoTime();
                int end = in.position();
                int pos = 0;
                while (true) {
                    if (end - pos < 2) {
                        break;
                    }
                    int first = a[pos] & 0xFF;
                    int length = 0;
                    int shift = 0;
                    int i = pos + 1;
                    boolean complete = false;
                    while (i < end) {
                        int b = a[i++] & 0xFF;
                        length |= (b & 0x7F) << shift;
                        shift += 7;
                        if ((b & 0x80) == 0) {
                            complete = true;
                            break;
                        }
                    }
                    if (!complete || end - i < length) {
                        break;
                    }
                    if (first >>> 4 == MqttWire.PUBLISH) {
                        onPublish(a, first, i, length, now, acks);
                    } else if (first >>> 4 == MqttWire.DISCONNECT) {
                        throw new IOException("broker sent DISCONNECT");
                    }
                    pos = i + length;
                }
                // keep a partial frame for the next read
                System.arraycopy(a, pos, a, 0, end - pos);
                in.position(end - pos);
                if (acks.position() > 0) {
                    acks.flip();
                    while (acks.hasRemaining()) {
                        channel.write(acks);
                    }
                    acks.clear();
                }
                if (n < SMALL_READ) {
                    // a broker that writes message by message would otherwise wake this thread (a read
                    // syscall and a context switch) per message: let a batch build up, like interrupt
                    // coalescing, so the client does not take the cores it shares with the broker
                    java.util.concurrent.locks.LockSupport.parkNanos(COALESCE_NANOS);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!stop) {
                failure = e;
            }
        }
    }

    private void onPublish(byte[] a, int first, int body, int length, long now, ByteBuffer acks) {
        int qos = (first >>> 1) & 3;
        int i = body;
        int topicLength = ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
        i += 2 + topicLength;
        if (qos > 0) {
            acks.put((byte) 0x40).put((byte) 2).put(a[i]).put(a[i + 1]);
            i += 2;
        }
        if (level >= 5) {
            int[] p = {i};
            int propertiesLength = MqttWire.readVarInt(a, p);
            i = p[0] + propertiesLength;
        }
        if (body + length - i < 16) {
            foreign++;
            return;
        }
        long sent = getLong(a, i);
        int publisher = getInt(a, i + 8);
        int seq = getInt(a, i + 12);
        if (publisher < 0 || publisher >= seen.length || seq < 0) {
            foreign++;
            return;
        }
        BitSet set = seen[publisher];
        if (set.get(seq)) {
            duplicates++;
            return;
        }
        set.set(seq);
        long n = unique;
        if (n < latencies.length) {
            latencies[(int) n] = now - sent;
        }
        unique = n + 1;
        lastReceiveNanos = now;
    }

    private static long getLong(byte[] a, int i) {
        return ((long) getInt(a, i) << 32) | (getInt(a, i + 4) & 0xFFFFFFFFL);
    }

    private static int getInt(byte[] a, int i) {
        return ((a[i] & 0xFF) << 24) | ((a[i + 1] & 0xFF) << 16) | ((a[i + 2] & 0xFF) << 8) | (a[i + 3] & 0xFF);
    }

    long unique() {
        return unique;
    }

    long duplicates() {
        return duplicates;
    }

    long lastReceiveNanos() {
        return lastReceiveNanos;
    }

    Throwable failure() {
        return failure;
    }

    /** Latencies of the messages received so far, in nanoseconds (call after the thread ended). */
    long[] latencies() {
        return java.util.Arrays.copyOf(latencies, (int) Math.min(unique, latencies.length));
    }

    void stop() {
        stop = true;
    }
}
