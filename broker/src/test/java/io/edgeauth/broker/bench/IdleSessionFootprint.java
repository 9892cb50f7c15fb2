package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap per idle authenticated MQTT session: starts the real broker in its own JVM, registers N
 * devices with their keys, takes a token for each from the token endpoint, connects N MQTT 5 sessions with
 * them, and reads the broker's heap after a full GC before and
 * after (jcmd GC.heap_info). One summary line. usage: IdleSessionFootprint [sessions=10000]
 * <p>{@code -Dbench.target=bare} measures {@link BareMqttServer} the same way instead: the floor under any
 * Vert.x MQTT broker. {@code -Dbench.settleSeconds} (default 5) is the wait between the last CONNACK and
 * the reading. {@code -Dbench.histogram=true} prints the 40 classes that grew most, per session.
 */
public final class IdleSessionFootprint {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path data = Files.createTempDirectory("edgeauth-footprint");
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx2g"));
        String extra = System.getProperty("bench.brokerJvmArgs", "");
        if (!extra.isBlank()) {
            jvmArgs.addAll(List.of(extra.trim().split("\\s+")));
        }
        boolean bare = "bare".equals(System.getProperty("bench.target", "edge"));
        Map<String, String> env = TestBrokers.env(data, Map.of("EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000"));
        BrokerProcess broker = bare
                ? BrokerProcess.start(BareMqttServer.class.getName(), List.of(), env, jvmArgs, ProcessBuilder.Redirect.DISCARD)
                : BrokerProcess.start(env, jvmArgs, ProcessBuilder.Redirect.DISCARD);
        try {
            String url = broker.url();
            String admin = broker.admin();
            int mqttPort = broker.mqttPort();
            // devices take their tokens from the token endpoint, as in production (the tenant's HS256 secret signs for
            // service clients only); tokens are fetched before the first reading so the difference is the sessions'
            Http adminHttp = new Http(url, admin);
            Http plain = new Http(url, null);
            List<String> tokens = new ArrayList<>(n);
            for (int i = 0; i < n && !bare; i++) {
                tokens.add(TestDevices.token(plain, url, TestDevices.register(adminHttp, "idle-" + i)));
            }
            long before = heapAfterGc(broker.pid());
            boolean histogram = Boolean.getBoolean("bench.histogram");
            Map<String, long[]> histBefore = histogram ? histogram(broker.pid()) : Map.of();
            MqttClientExecutorConfig shared = MqttClientExecutorConfig.builder().nettyThreads(2).build();
            List<Mqtt5AsyncClient> clients = new ArrayList<>(n);
            List<CompletableFuture<?>> connects = new ArrayList<>(n);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String id = "idle-" + i;
                String token = bare ? "bare" : tokens.get(i);
                Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                        .serverPort(mqttPort).executorConfig(shared).buildAsync();
                clients.add(c);
                connects.add(c.connectWith().keepAlive(600).simpleAuth().username(id)
                        .password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send());
                if (connects.size() % 500 == 0) {
                    CompletableFuture.allOf(connects.subList(connects.size() - 500, connects.size())
                            .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                }
            }
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            // idle means after the connect storm: the connection-attempt guard forgets a device's attempts once
            // its bucket has refilled (2 s at the default 30 a minute), so wait that out before reading the heap
            Thread.sleep(Long.getLong("bench.settleSeconds", 5) * 1000);
            long after = heapAfterGc(broker.pid());
            if (histogram) {
                printGrowth(histBefore, histogram(broker.pid()), n);
            }
            System.out.printf("target=%s sessions=%d connect_rate=%.0f/s heap_before=%dKiB heap_after=%dKiB per_session=%.0f bytes%n",
                    bare ? "bare-vertx-mqtt" : "edge", n, n / seconds, before / 1024, after / 1024, (after - before) / (double) n);
            for (Mqtt5AsyncClient c : clients) {
                c.disconnect();
            }
        } finally {
            broker.close();
        }
    }

    private static final Pattern HISTO_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /** class name to {instances, bytes}, from jcmd GC.class_histogram (which runs a full GC first). */
    private static Map<String, long[]> histogram(long pid) throws Exception {
        Map<String, long[]> rows = new HashMap<>();
        for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
            Matcher m = HISTO_ROW.matcher(line);
            if (m.find()) {
                rows.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        return rows;
    }

    /** The 40 classes whose heap grew most, per session: where an idle session's bytes go. */
    private static void printGrowth(Map<String, long[]> before, Map<String, long[]> after, int n) {
        after.entrySet().stream()
                .map(e -> {
                    long[] b = before.getOrDefault(e.getKey(), new long[2]);
                    return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
                })
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(40)
                .forEach(e -> System.out.printf("%10.2f objs %8.1f B/session  %s%n",
                        e.getValue()[0] / (double) n, e.getValue()[1] / (double) n, e.getKey()));
    }

    /** Used heap of the process after a full GC, from jcmd GC.heap_info (G1: "garbage-first heap ... used NK"). */
    private static long heapAfterGc(long pid) throws Exception {
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read heap use: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
