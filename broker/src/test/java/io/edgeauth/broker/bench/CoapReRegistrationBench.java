package io.edgeauth.broker.bench;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;

/**
 * What an idle CoAP observer's re-registration costs the broker ({@code bench/coap-reregistrations}): the real
 * broker ({@code BrokerCli run}, its own JVM, plain CoAP) and DEVICES registered devices, each with its own client
 * endpoint (its own source port, so its own session), its JWT uploaded to {@code /authz-info} and an Observe
 * relation on {@code /d/{id}/down}. Then, round robin, RATE re-registrations a second (Californium's
 * {@link CoapObserveRelation#reregister()}: a new GET with the relation's token, what an Observe client sends when a
 * notification's Max-Age passes) for WARM-UP then SECONDS seconds, and SECONDS idle. The broker's CPU
 * (utime+stime) over the idle period is subtracted from the busy one and divided by the re-registrations answered
 * in the busy one. One summary line.
 * <p>
 * usage: {@code CoapReRegistrationBench DEVICES RATE WARMUP SECONDS}
 */
public final class CoapReRegistrationBench {
    private CoapReRegistrationBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        Path data = Files.createTempDirectory("edgeauth-reregistration-bench");
        int port;
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> env = TestBrokers.env(data, Map.of(
                "EDGEAUTH_MQTT_PORT", "-1",
                "EDGEAUTH_COAP_HOST", "127.0.0.1",
                "EDGEAUTH_COAP_PORT", Integer.toString(port),
                "EDGEAUTH_COAP_DTLS_PORT", "-1"));
        List<CoapClient> clients = new ArrayList<>();
        ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
        try (BrokerProcess broker = BrokerProcess.start(env, BenchBrokers.jvmArgs(), ProcessBuilder.Redirect.DISCARD)) {
            TokenIssuer issuer = BenchBrokers.registerDevices(broker, data, "rr-", devices);
            AtomicLong answers = new AtomicLong();
            List<CoapObserveRelation> relations = new ArrayList<>();
            org.eclipse.californium.core.config.CoapConfig.register();
            org.eclipse.californium.elements.config.UdpConfig.register();
            Configuration config = Configuration.createStandardWithoutFile();
            for (int i = 0; i < devices; i++) {
                CoapEndpoint endpoint = new CoapEndpoint.Builder().setConfiguration(config)
                        .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build();
                endpoint.setExecutors(executor, executor);
                endpoint.start();
                String base = "coap://127.0.0.1:" + port;
                CoapClient c = new CoapClient(base + "/authz-info").setEndpoint(endpoint).setTimeout(10_000L);
                clients.add(c);
                byte[] token = issuer.issue(TokenClaims.builder("default", "rr-" + i).audience("edgeauth")
                        .lifetime(Duration.ofMinutes(10)).build(), TokenFormat.JWT).bytes();
                CoapResponse up = c.post(token, MediaTypeRegistry.TEXT_PLAIN);
                if (up == null || up.getCode() != CoAP.ResponseCode.CREATED) {
                    throw new IllegalStateException("token upload " + i + ": " + (up == null ? "no answer" : up.getCode()));
                }
                c.setURI(base + "/d/rr-" + i + "/down");
                CoapObserveRelation rel = c.observeAndWait(new CoapHandler() {
                    @Override
                    public void onLoad(CoapResponse response) {
                        answers.incrementAndGet();
                    }

                    @Override
                    public void onError() {
                    }
                });
                if (rel.isCanceled()) {
                    throw new IllegalStateException("observe " + i + " refused: " + rel.getCurrentResponse().getCode());
                }
                relations.add(rel);
            }
            drive(relations, rate, warmup);
            long hz = 100; // USER_HZ of /proc/PID/stat
            long before = MqttLoadBench.cpuTicks(broker.pid());
            long answeredBefore = answers.get();
            long sent = drive(relations, rate, seconds);
            Thread.sleep(1000); // the last answers
            long busy = MqttLoadBench.cpuTicks(broker.pid()) - before;
            long answered = answers.get() - answeredBefore;
            long idleStart = MqttLoadBench.cpuTicks(broker.pid());
            Thread.sleep(seconds * 1000L + 1000);
            long idle = MqttLoadBench.cpuTicks(broker.pid()) - idleStart;
            double perRegistration = (busy - idle) * 1e6 / hz / Math.max(1, answered);
            System.out.printf("coap-reregistrations: devices=%d rate=%d/s sent=%d answered=%d broker_cpu_busy_ms=%d"
                            + " broker_cpu_idle_ms=%d broker_cpu_us/reregistration=%.0f%n", devices, rate, sent, answered,
                    busy * 1000 / hz, idle * 1000 / hz, perRegistration);
        } finally {
            for (CoapClient c : clients) {
                c.getEndpoint().destroy();
                c.shutdown(); // its own executor for the handlers (not daemon threads)
            }
            executor.shutdownNow();
        }
    }

    /** Re-registers the relations round robin at {@code rate} a second for {@code seconds}; how many were sent. */
    private static long drive(List<CoapObserveRelation> relations, int rate, int seconds) throws InterruptedException {
        long start = System.nanoTime();
        long total = (long) rate * seconds;
        for (long n = 0; n < total; n++) {
            long due = start + n * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            relations.get((int) (n % relations.size())).reregister();
        }
        return total;
    }
}
