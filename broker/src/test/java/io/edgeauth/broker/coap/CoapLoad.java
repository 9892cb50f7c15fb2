package io.edgeauth.broker.coap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;

/**
 * A lean CoAP load generator for {@code bench/coap-cpu}: each client is one peer (own UDP port; on DTLS its own
 * PSK identity {@code bench<i>} and session) that first uploads its token to {@code /authz-info} (2.01 required,
 * in every mode, so the bare and the edge server see the same traffic), then keeps {@code window} confirmable
 * POSTs to {@code /d/bench<i>/up/temp} outstanding. Requests are encoded once and only MID and token are
 * patched per send; responses are matched by token from the raw datagram and 2.04 counted, so the client spends
 * little CPU per request and the server, not the client, is the bottleneck. Plain CoAP: non-blocking
 * {@link DatagramChannel}s on one selector thread. DTLS: one Scandium {@link DTLSConnector} per client with raw
 * {@link RawData} send/receive on a shared two-thread executor. A request unanswered for 3 s counts as failed
 * and its slot is reused (the bench does not retransmit).
 */
final class CoapLoad {
    /** A request unanswered this long is failed and replaced. */
    static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(3);
    private static final int TOKEN_LENGTH = 4;
    private static final byte CODE_CREATED = 0x41;  // 2.01
    private static final byte CODE_CHANGED = 0x44;  // 2.04
    private static final int TYPE_CON = 0;
    private static final int TYPE_ACK = 2;

    /** Counters shared by all clients; latencies are per client (each client is served by one thread at a time). */
    final LongAdder ok = new LongAdder();
    final LongAdder failed = new LongAdder();
    private final List<Client> clients = new ArrayList<>();
    private final int window;
    private volatile boolean running = true;
    private volatile boolean measuring;

    CoapLoad(int window) {
        if (window < 1 || window > 255) {
            throw new IllegalArgumentException("window must be 1..255");
        }
        this.window = window;
    }

    /** One peer: its pre-encoded requests, the outstanding window and its latency samples. */
    abstract class Client {
        final int index;
        private final byte[] post;
        private final byte[] upload;
        private final long[] sentAt;
        private final int[] expected;
        private int mid;
        private int generation;
        private long[] samples = new long[1 << 16];
        private int sampleCount;
        final CompletableFuture<Void> authorized = new CompletableFuture<>();

        Client(int index) {
            this.index = index;
            String id = "bench" + index;
            post = encode(Request.newPost(), "d/" + id + "/up/temp", MediaTypeRegistry.APPLICATION_JSON,
                    "{\"t\":21.5,\"h\":40}".getBytes(StandardCharsets.UTF_8));
            upload = encode(Request.newPost(), "authz-info", MediaTypeRegistry.APPLICATION_CWT,
                    TestTokens.token(id, Instant.now().plusSeconds(3600)).bytes());
            sentAt = new long[window];
            expected = new int[window];
            Arrays.fill(expected, -1);
        }

        /** Sends a datagram to the server; the array is the caller's to give away. */
        abstract void send(byte[] datagram) throws IOException;

        abstract void close();

        synchronized void startUpload() throws IOException {
            send(patch(upload, nextMid(), 0xffffffff));
        }

        /** Fills the window once authorized. */
        synchronized void startLoad() throws IOException {
            for (int slot = 0; slot < window; slot++) {
                sendPost(slot, System.nanoTime());
            }
        }

        private int nextMid() {
            mid = (mid + 1) & 0xffff;
            return mid;
        }

        private void sendPost(int slot, long now) throws IOException {
            generation = (generation + 1) & 0xffffff;
            int token = generation << 8 | slot;
            expected[slot] = token;
            sentAt[slot] = now;
            send(patch(post, nextMid(), token));
        }

        /** Handles one datagram from the server. */
        synchronized void received(byte[] d, int length) throws IOException {
            if (length < 4 || (d[0] & 0xc0) != 0x40) {
                return; // not CoAP version 1
            }
            int type = (d[0] >> 4) & 0x3;
            int tkl = d[0] & 0x0f;
            byte code = d[1];
            if (type == TYPE_CON) { // a separate response: acknowledge it with an empty ACK
                send(new byte[] {0x60, 0, d[2], d[3]});
            }
            if (code == 0 || tkl != TOKEN_LENGTH || length < 4 + TOKEN_LENGTH) {
                return; // empty ACK (a separate response follows) or not ours
            }
            int token = (d[4] & 0xff) << 24 | (d[5] & 0xff) << 16 | (d[6] & 0xff) << 8 | (d[7] & 0xff);
            if (token == 0xffffffff) {
                if (code == CODE_CREATED) {
                    authorized.complete(null);
                } else {
                    authorized.completeExceptionally(new IllegalStateException(
                            "token upload answered " + ((code >> 5) & 7) + "." + String.format("%02d", code & 31)));
                }
                return;
            }
            int slot = token & 0xff;
            if (slot >= window || expected[slot] != token) {
                return; // a late or duplicate answer
            }
            long now = System.nanoTime();
            if (measuring) {
                if (code == CODE_CHANGED) {
                    ok.increment();
                    if (sampleCount == samples.length) {
                        samples = Arrays.copyOf(samples, samples.length * 2);
                    }
                    samples[sampleCount++] = now - sentAt[slot];
                } else {
                    failed.increment();
                }
            }
            expected[slot] = -1;
            if (running) {
                sendPost(slot, now);
            }
        }

        /** Fails and replaces requests unanswered for {@link #TIMEOUT_NS}. */
        synchronized void expire(long now) throws IOException {
            for (int slot = 0; slot < window; slot++) {
                if (expected[slot] != -1 && now - sentAt[slot] > TIMEOUT_NS) {
                    if (measuring) {
                        failed.increment();
                    }
                    if (running) {
                        sendPost(slot, now);
                    } else {
                        expected[slot] = -1;
                    }
                }
            }
        }

        synchronized long[] latencies() {
            return Arrays.copyOf(samples, sampleCount);
        }
    }

    private static byte[] encode(Request r, String path, int contentFormat, byte[] payload) {
        r.setMID(0);
        r.setToken(new byte[TOKEN_LENGTH]);
        r.getOptions().setUriPath(path).setContentFormat(contentFormat);
        r.setPayload(payload);
        return new UdpDataSerializer().getByteArray(r);
    }

    private static byte[] patch(byte[] template, int mid, int token) {
        byte[] d = template.clone();
        d[2] = (byte) (mid >> 8);
        d[3] = (byte) mid;
        d[4] = (byte) (token >> 24);
        d[5] = (byte) (token >> 16);
        d[6] = (byte) (token >> 8);
        d[7] = (byte) token;
        return d;
    }

    // ---- transports ----

    private Selector selector;
    private Thread selectorThread;
    private ExecutorService dtlsExecutor;
    private Thread expiryThread;

    /** Plain CoAP: {@code count} channels on one selector thread. */
    void openPlain(InetSocketAddress server, int count) throws IOException {
        selector = Selector.open();
        for (int i = 0; i < count; i++) {
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress("127.0.0.1", 0)).connect(server).configureBlocking(false);
            Client c = new Client(i) {
                @Override
                void send(byte[] datagram) throws IOException {
                    ch.write(ByteBuffer.wrap(datagram)); // a full socket buffer drops it: the slot times out
                }

                @Override
                void close() {
                    try {
                        ch.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
            };
            ch.register(selector, SelectionKey.OP_READ, c);
            clients.add(c);
        }
        selectorThread = new Thread(this::selectLoop, "coap-load-selector");
        selectorThread.start();
    }

    private void selectLoop() {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        long lastExpiry = System.nanoTime();
        try {
            while (running) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) k.channel();
                    Client c = (Client) k.attachment();
                    while (true) {
                        buf.clear();
                        if (ch.read(buf) <= 0) {
                            break;
                        }
                        c.received(buf.array(), buf.position());
                    }
                }
                selector.selectedKeys().clear();
                long now = System.nanoTime();
                if (now - lastExpiry > 100_000_000L) {
                    lastExpiry = now;
                    for (Client c : clients) {
                        c.expire(now);
                    }
                }
            }
        } catch (IOException e) {
            if (running) {
                e.printStackTrace();
            }
        }
    }

    /** DTLS-PSK: one client connector per peer with raw send/receive. */
    void openDtls(InetSocketAddress server, int count) throws IOException {
        dtlsExecutor = Executors.newFixedThreadPool(2);
        Configuration config = CoapBenchClient.oneShotConfig("psk");
        EndpointContext serverContext = new AddressEndpointContext(server);
        for (int i = 0; i < count; i++) {
            DTLSConnector connector = new DTLSConnector(CoapBenchClient.pskClient(config,
                    new InetSocketAddress("127.0.0.1", 0), "bench" + i));
            Client c = new Client(i) {
                @Override
                void send(byte[] datagram) {
                    connector.send(RawData.outbound(datagram, serverContext, null, false));
                }

                @Override
                void close() {
                    connector.destroy();
                }
            };
            connector.setExecutor(dtlsExecutor);
            connector.setRawDataReceiver(raw -> {
                try {
                    c.received(raw.getBytes(), raw.getSize());
                } catch (IOException e) {
                    // the DTLS send does not throw
                }
            });
            connector.start();
            clients.add(c);
        }
        expiryThread = new Thread(() -> {
            try {
                while (running) {
                    Thread.sleep(100);
                    long now = System.nanoTime();
                    for (Client c : clients) {
                        c.expire(now);
                    }
                }
            } catch (InterruptedException | IOException e) {
                // stopping
            }
        }, "coap-load-expiry");
        expiryThread.start();
    }

    /** Uploads every client's token (2.01 required), then fills the windows. */
    void start(long timeoutMs) throws Exception {
        for (Client c : clients) {
            c.startUpload();
        }
        for (Client c : clients) {
            try {
                c.authorized.get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) { // a lost handshake or upload: try once more
                c.startUpload();
                c.authorized.get(timeoutMs, TimeUnit.MILLISECONDS);
            }
        }
        for (Client c : clients) {
            c.startLoad();
        }
    }

    /** From now on answers are counted. */
    void measure() {
        measuring = true;
    }

    /** Stops counting and sending; returns all latency samples, sorted. */
    long[] stop() throws InterruptedException {
        measuring = false;
        running = false;
        if (selector != null) {
            selector.wakeup();
            selectorThread.join();
        }
        if (expiryThread != null) {
            expiryThread.interrupt();
            expiryThread.join();
        }
        long[] all = clients.stream().map(Client::latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        for (Client c : clients) {
            c.close();
        }
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (dtlsExecutor != null) {
            dtlsExecutor.shutdownNow();
        }
        return all;
    }
}
