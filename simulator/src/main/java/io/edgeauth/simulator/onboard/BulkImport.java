package io.edgeauth.simulator.onboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeauth.simulator.fleet.FleetIdentities;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Registers a range of the fleet in one streamed {@code POST /admin/devices:bulk} (NDJSON, one record a line:
 * {@code {id, tenant, jwk}}; docs/onboarding.md "Bulk import") before the run, instead of one admin call per
 * device. Lines are derived as the upload reads them, so the request body is never held whole. Idempotent on the
 * broker's side: a re-run of the same fleet reports its records {@code unchanged}.
 */
public final class BulkImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Refusals whose reasons are kept for the report. */
    private static final int KEPT_ERRORS = 5;
    /** How long an import may go without progress (a chunk sent, an answer read) before it fails. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Bytes of NDJSON per HTTP chunk. */
    private static final int CHUNK_BYTES = 64 * 1024;

    /** What the broker answered: its summary counts and the first refusals' reasons. */
    public record Summary(long created, long updated, long unchanged, long refused, Map<Long, String> firstErrors) {
        public long accepted() {
            return created + updated + unchanged;
        }
    }

    private BulkImport() {
    }

    /** Imports devices {@code [first, first + count)} of {@code fleet} into {@code tenant}; blocks until the answer is read. */
    public static Summary importRange(URI brokerUrl, String credential, FleetIdentities fleet, long first, long count,
                                      String tenant) throws IOException, InterruptedException {
        return importRange(brokerUrl, credential, fleet, first, count, tenant, line -> { }, DEFAULT_IDLE_TIMEOUT);
    }

    /** As above; {@code results} sees each record's result line as it arrives (progress, and what an interruption leaves). */
    public static Summary importRange(URI brokerUrl, String credential, FleetIdentities fleet, long first, long count,
                                      String tenant, Consumer<String> results, Duration idleTimeout)
            throws IOException, InterruptedException {
        return upload(brokerUrl, credential, lines(fleet, first, count, tenant), results, idleTimeout);
    }

    /**
     * Uploads an NDJSON body and reads the answer at the same time; {@code results} sees every result line (not the
     * summary) as it arrives. The body is read on the calling thread (deriving a fleet's keys is CPU work) and sent
     * as the connection can take it; the answer is read on a Netty event loop meanwhile. The JDK {@code HttpClient}
     * cannot do this (it reads an HTTP/1.1 answer only once the whole body is sent) and the broker stops reading an
     * upload whose results are not read, so with it a large import stalled.
     */
    static Summary upload(URI brokerUrl, String credential, InputStream ndjson, Consumer<String> results)
            throws IOException, InterruptedException {
        return upload(brokerUrl, credential, ndjson, results, DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * As above, failing after {@code idleTimeout} without progress: a broker that accepts the connection and then
     * neither reads the upload nor answers kept the import waiting for 30 minutes (unbounded while it did not read).
     */
    static Summary upload(URI brokerUrl, String credential, InputStream ndjson, Consumer<String> results, Duration idleTimeout)
            throws IOException, InterruptedException {
        boolean tls = "https".equalsIgnoreCase(brokerUrl.getScheme());
        String host = brokerUrl.getHost();
        int port = brokerUrl.getPort() != -1 ? brokerUrl.getPort() : tls ? 443 : 80;
        SslContext ssl = tls ? SslContextBuilder.forClient().build() : null;
        String path = (brokerUrl.getRawPath() == null ? "" : brokerUrl.getRawPath()).replaceAll("/+$", "") + "/admin/devices:bulk";
        AnswerReader answer = new AnswerReader(results, idleTimeout);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sim-bulk-import", true),
                NioIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
                    // a broker that refuses the upload (401: wrong admin credential) answers and closes while the body
                    // is still coming: the next chunk then fails with a reset, and Netty's default closes the channel
                    // at that write, before the answer already received is read; the answer must win
                    .option(ChannelOption.AUTO_CLOSE, false)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (ssl != null) {
                                c.pipeline().addLast(ssl.newHandler(c.alloc(), host, port));
                            }
                            c.pipeline().addLast(new HttpClientCodec(), answer);
                        }
                    })
                    .connect(host, port).sync().channel();
            HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
            request.headers().set(HttpHeaderNames.HOST, host + ":" + port)
                    .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + credential)
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
            HttpUtil.setTransferEncodingChunked(request, true);
            answer.watch(ch.writeAndFlush(request));
            byte[] chunk = new byte[CHUNK_BYTES];
            int n;
            while (answer.sending() && (n = ndjson.readNBytes(chunk, 0, chunk.length)) > 0) {
                answer.watch(ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, 0, n))));
                answer.awaitWritable(ch);
            }
            if (answer.sending()) { // else the broker answered before the end (a refusal): it says why
                answer.watch(ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
            }
            try {
                while (true) {
                    try {
                        return answer.done.get(200, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        answer.checkIdle(); // the answer may take long for a large import, as long as it moves
                    }
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } finally {
                ch.close();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Reads the answer: one result line per record, then the summary line; wakes the uploader when it may write. */
    private static final class AnswerReader extends SimpleChannelInboundHandler<HttpObject> {
        final CompletableFuture<Summary> done = new CompletableFuture<>();
        private final Consumer<String> results;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final Map<Long, String> errors = new LinkedHashMap<>();
        private final StringBuilder refusal = new StringBuilder();
        private JsonNode summary;
        private int status;
        /** Why sending failed (the broker reset the connection), or null: the upload stops, the answer is still read. */
        private volatile Throwable sendFailure;
        private final Duration idleTimeout;
        /** When a chunk was last taken by the connection or answer bytes last arrived (nanoTime). */
        private volatile long lastProgress = System.nanoTime();

        AnswerReader(Consumer<String> results, Duration idleTimeout) {
            this.results = results;
            this.idleTimeout = idleTimeout;
        }

        /** Blocks the uploader while the connection's outbound buffer is full; fails after the idle timeout. */
        synchronized void awaitWritable(Channel ch) throws InterruptedException, IOException {
            while (!ch.isWritable() && ch.isActive() && sending()) {
                wait(Math.max(1, Math.min(1000, idleTimeout.toMillis())));
                checkIdle();
            }
        }

        /** Throws when nothing moved for the idle timeout. */
        void checkIdle() throws IOException {
            if (System.nanoTime() - lastProgress > idleTimeout.toNanos()) {
                throw new IOException("bulk import: no progress for " + seconds(idleTimeout) + ": the broker neither read the"
                        + " upload nor answered (--import-idle-timeout)");
            }
        }

        private static String seconds(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }

        /** True while the upload should go on: no answer yet and every write so far went out. */
        boolean sending() {
            return !done.isDone() && sendFailure == null;
        }

        void watch(io.netty.channel.ChannelFuture write) {
            write.addListener(f -> {
                if (f.isSuccess()) {
                    lastProgress = System.nanoTime();
                } else if (sendFailure == null) {
                    sendFailure = f.cause();
                    wakeUp();
                }
            });
        }

        private synchronized void wakeUp() {
            notifyAll();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            wakeUp();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
            lastProgress = System.nanoTime();
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
            }
            if (msg instanceof HttpContent c) {
                if (status != 200) {
                    if (refusal.length() < 4096) {
                        refusal.append(c.content().toString(StandardCharsets.UTF_8));
                    }
                } else {
                    c.content().readBytes(partial, c.content().readableBytes());
                    takeLines();
                }
                if (msg instanceof LastHttpContent) {
                    finish();
                    wakeUp();
                }
            }
        }

        /** Hands on every complete line of what arrived so far; keeps a line cut between two chunks. */
        private void takeLines() throws IOException {
            byte[] bytes = partial.toByteArray();
            int from = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    line(new String(bytes, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            partial.reset();
            partial.write(bytes, from, bytes.length - from);
        }

        private void line(String line) throws IOException {
            if (line.isBlank()) {
                return;
            }
            JsonNode n = JSON.readTree(line);
            if (n.has("summary")) {
                summary = n.get("summary");
                return;
            }
            results.accept(line);
            if ("refused".equals(n.path("result").asText()) && errors.size() < KEPT_ERRORS) {
                errors.put(n.path("line").asLong(), n.path("error").asText());
            }
        }

        private void finish() {
            if (status == 401) {
                done.completeExceptionally(new IOException("bulk import: the broker refused the admin credential (HTTP 401, "
                        + "check --admin-credential): " + refusal.toString().strip()));
            } else if (status != 200) {
                done.completeExceptionally(new IOException("bulk import answered HTTP " + status + ": " + refusal.toString().strip()));
            } else if (summary == null) {
                done.completeExceptionally(new IOException("bulk import answer ended without its summary"));
            } else {
                done.complete(new Summary(summary.path("created").asLong(), summary.path("updated").asLong(),
                        summary.path("unchanged").asLong(), summary.path("refused").asLong(), errors));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Throwable sending = sendFailure;
            done.completeExceptionally(new IOException("bulk import: the broker closed the connection before its answer ended"
                    + (sending == null ? "" : " (sending the devices failed: " + sending + ")")));
            wakeUp();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause instanceof IOException ? cause : new IOException(cause));
            wakeUp();
            ctx.close();
        }
    }

    /** The NDJSON body, one device a line, derived lazily as it is read. */
    static InputStream lines(FleetIdentities fleet, long first, long count, String tenant) {
        return new SequenceInputStream(new Enumeration<InputStream>() {
            private long next = first;

            @Override
            public boolean hasMoreElements() {
                return next < first + count;
            }

            @Override
            public InputStream nextElement() {
                if (!hasMoreElements()) {
                    throw new NoSuchElementException();
                }
                long i = next++;
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("id", fleet.deviceId(i));
                record.put("tenant", tenant);
                record.put("jwk", fleet.privateKey(i).toPublicJWK().toJSONObject());
                try {
                    return new ByteArrayInputStream((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }
}
