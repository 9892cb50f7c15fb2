package io.edgeauth.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test double of a broker whose bulk import stalls: it answers {@code created} to every record it reads, then,
 * once the upload has ended, sends nothing more (no summary, connection kept open) until closed. Made
 * {@code readNothing}, it answers nothing and never reads the upload.
 */
final class StallingBulkBroker implements AutoCloseable {
    private final HttpServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    final AtomicLong answered = new AtomicLong();

    StallingBulkBroker(boolean readNothing) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stalling-bulk");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/admin/devices:bulk", exchange -> {
            try {
                if (!readNothing) {
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    BufferedReader body = new BufferedReader(new InputStreamReader(exchange.getRequestBody(), StandardCharsets.UTF_8));
                    long n = 0;
                    for (String line; (line = body.readLine()) != null; ) {
                        n++;
                        out.write(("{\"line\":" + n + ",\"id\":\"x\",\"result\":\"created\"}\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        answered.incrementAndGet();
                    }
                }
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
