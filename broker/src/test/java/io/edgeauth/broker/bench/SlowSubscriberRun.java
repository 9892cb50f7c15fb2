package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.edgeauth.broker.bench.chaos.ChaosBroker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * {@code bench/chaos slow-subscriber}: a subscriber that never reads (a 4 KiB receive buffer, QoS 1)
 * sits on a device's telemetry while the device floods it with 1 KiB messages for a while; a healthy
 * subscriber of the same topic keeps reading. Reports the broker's peak RSS and its heap after a full GC
 * (read with jcmd), what the healthy subscriber got, and whether the broker stayed bounded and serving.
 * Usage: {@code SlowSubscriberRun [seconds=30]}.
 */
public final class SlowSubscriberRun {
    private static final int PAYLOAD = 1024;
    /** The broker runs with -Xmx512m; "bounded" is its heap after a full GC below this. */
    private static final long BOUND_MB = 256;

    private SlowSubscriberRun() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        ChaosBroker broker = new ChaosBroker(Files.createTempDirectory("edgeauth-slow"));
        broker.start();
        try {
            run(broker, seconds);
        } finally {
            broker.stop();
        }
    }

    private static void run(ChaosBroker broker, int seconds) throws Exception {
        Http admin = new Http(broker.url(), broker.admin());
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceIdentity device = DeviceIdentity.generate("flood-1");
        int status = admin.postJson("/admin/devices", new JsonObject().put("id", "flood-1").put("owner", did)
                .put("ratePlan", "chaos").put("jwk", new JsonObject(device.publicJwk().toJSONString())).encode())
                .statusCode();
        if (status != 201) {
            throw new IllegalStateException("register: " + status);
        }
        String deviceToken = TokenClient.builder().brokerUri(URI.create(broker.url())).identity(device).build()
                .fetch().get(20, TimeUnit.SECONDS).value();
        String ownerToken = Wallets.siweLogin(broker.url(), wallet).getString("access_token");

        java.nio.channels.SocketChannel slow = java.nio.channels.SocketChannel.open();
        if (!Boolean.getBoolean("chaos.noSlow")) { // -Dchaos.noSlow=true: the same flood without it, for comparison
            slow.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            slow.connect(new InetSocketAddress("127.0.0.1", broker.mqttPort()));
            slow.write(ByteBuffer.wrap(MqttWire.connect(5, did + "#slow", did,
                    ownerToken.getBytes(StandardCharsets.US_ASCII))));
            expect(MqttWire.read(slow), MqttWire.CONNACK);
            slow.write(ByteBuffer.wrap(MqttWire.subscribe(5, "d/flood-1/up/#", 1)));
            expect(MqttWire.read(slow), MqttWire.SUBACK);
            // from here on the slow subscriber never reads
        }

        AtomicLong healthy = new AtomicLong();
        Mqtt5AsyncClient ok = Mqtt5Client.builder().identifier(did + "#ok").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildAsync();
        ok.publishes(MqttGlobalPublishFilter.ALL, p -> healthy.incrementAndGet());
        ok.connectWith().simpleAuth().username(did).password(ownerToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send().get(20, TimeUnit.SECONDS);
        ok.subscribeWith().topicFilter("d/flood-1/up/#").qos(MqttQos.AT_MOST_ONCE).send().get(20, TimeUnit.SECONDS);

        long rssPeak = 0;
        long sent = 0;
        try (java.nio.channels.SocketChannel pub = java.nio.channels.SocketChannel.open()) {
            pub.connect(new InetSocketAddress("127.0.0.1", broker.mqttPort()));
            pub.write(ByteBuffer.wrap(MqttWire.connect(5, "flood-1", "flood-1", deviceToken.getBytes(StandardCharsets.US_ASCII))));
            expect(MqttWire.read(pub), MqttWire.CONNACK);
            pub.configureBlocking(false);
            byte[] frame = MqttWire.publish(5, "d/flood-1/up/t", 0, PAYLOAD);
            ByteBuffer batch = ByteBuffer.allocate(frame.length * 64);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long nextSample = 0;
            while (System.nanoTime() < end) {
                if (!batch.hasRemaining() || batch.position() == 0) {
                    batch.clear();
                    while (batch.remaining() >= frame.length) {
                        batch.put(frame);
                    }
                    batch.flip();
                }
                int n;
                try {
                    n = pub.write(batch);
                } catch (IOException closed) { // the broker ended the publisher's connection: say why, from its metrics
                    System.out.println("publisher disconnected by the broker after " + (sent >> 20) + " MiB; broker metrics:");
                    new Http(broker.url(), null).get("/metrics").body().lines()
                            .filter(l -> l.startsWith("edgeauth_mqtt") && !l.startsWith("#") && !l.endsWith(" 0.0"))
                            .forEach(System.out::println);
                    throw closed;
                }
                sent += n;
                if (n == 0) {
                    Thread.sleep(1); // the broker paused reading from us (backpressure)
                }
                if (System.nanoTime() > nextSample) {
                    rssPeak = Math.max(rssPeak, rssKb(broker.pid()));
                    nextSample = System.nanoTime() + 500_000_000L;
                }
            }
        }
        long healthyDuringFlood = healthy.get();
        long heapMb = heapAfterGcMb(broker.pid());
        if (Boolean.getBoolean("chaos.nmt")) { // with -Dchaos.brokerJvmArgs=-XX:NativeMemoryTracking=summary
            Process nmt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(broker.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
            System.err.println(new String(nmt.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        // still serving: the healthy subscriber gets a fresh message after the flood
        long before = healthy.get();
        Mqtt5AsyncClient probe = Mqtt5Client.builder().identifier("flood-1").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildAsync();
        probe.connectWith().simpleAuth().username("flood-1").password(deviceToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send().get(20, TimeUnit.SECONDS);
        probe.publishWith().topic("d/flood-1/up/probe").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[8]).send()
                .get(20, TimeUnit.SECONDS);
        long deadline = System.currentTimeMillis() + 10_000;
        while (healthy.get() == before && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        boolean serving = healthy.get() > before;
        boolean bounded = heapMb >= 0 && heapMb < BOUND_MB;
        System.out.printf("slow-subscriber: seconds=%d offered_mb=%d healthy_received=%d broker_rss_peak_mb=%d "
                        + "broker_heap_after_gc_mb=%d bound_mb=%d bounded=%s serving_after=%s%n",
                seconds, sent >> 20, healthyDuringFlood, rssPeak >> 10, heapMb, BOUND_MB, bounded, serving);
        slow.close();
        System.exit(bounded && serving ? 0 : 1);
    }

    private static void expect(MqttWire.Packet p, int type) throws IOException {
        if (p.type() != type || p.body().length < 2) {
            throw new IOException("expected packet type " + type + ", got " + p.type());
        }
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** Heap used after a full GC, in MiB, from {@code jcmd PID GC.run} then {@code GC.heap_info}; -1 if unreadable. */
    private static long heapAfterGcMb(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) >> 10 : -1;
    }
}
