package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.BrokerCli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker in its own JVM, started as a user would ({@code BrokerCli run}) with environment overrides, for
 * tests that kill it and benchmarks that measure it alone. Reads the start-up banner (public URL, a newly
 * created admin credential, the MQTT port) and then keeps draining stdout so the child never blocks on it.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("HTTP\\s+(http://\\S+)");
    /** Printed beside this node's own address when the configured public URL is another (a load balancer's). */
    private static final Pattern PUBLIC_URL = Pattern.compile("public URL \\(issuer, token audience\\) (http://\\S+)");
    private static final Pattern ADMIN = Pattern.compile("(ea_admin_[A-Za-z0-9_-]+)");
    private static final Pattern MQTT = Pattern.compile("^\\s+mqtt (\\d+)");

    private final Process process;
    private final String url;
    private final String admin;
    private final int mqttPort;

    private BrokerProcess(Process process, String url, String admin, int mqttPort) {
        this.process = process;
        this.url = url;
        this.admin = admin;
        this.mqttPort = mqttPort;
    }

    /** {@code BrokerCli run} with the test class path, {@code jvmArgs} before it and {@code env} added. */
    public static BrokerProcess start(Map<String, String> env, List<String> jvmArgs, ProcessBuilder.Redirect stderr)
            throws Exception {
        return start(BrokerCli.class.getName(), List.of("run"), env, jvmArgs, stderr);
    }

    /** Any main class that prints the broker's banner (ending with its {@code "  admin"} line). */
    public static BrokerProcess start(String mainClass, List<String> args, Map<String, String> env, List<String> jvmArgs,
                                      ProcessBuilder.Redirect stderr) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<BrokerProcess> banner = CompletableFuture.supplyAsync(() -> readBanner(p));
        try {
            return banner.get(60, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static BrokerProcess readBanner(Process p) {
        String url = null;
        String admin = null;
        int mqtt = -1;
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = URL.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
                Matcher pu = PUBLIC_URL.matcher(line);
                if (pu.find()) {
                    url = pu.group(1);
                }
                Matcher q = MQTT.matcher(line);
                if (q.find()) {
                    mqtt = Integer.parseInt(q.group(1));
                }
                Matcher a = ADMIN.matcher(line);
                if (a.find()) {
                    admin = a.group(1);
                }
                if (line.startsWith("  admin")) {
                    IssuedSecrets.record(admin);
                    drain(r);
                    return new BrokerProcess(p, url, admin, mqtt);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("broker exited before printing its banner");
    }

    private static void drain(BufferedReader r) {
        Thread t = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // keep the pipe empty so the child never blocks on stdout
                }
            } catch (Exception ignored) {
                // the child ended
            }
        }, "broker-stdout");
        t.setDaemon(true);
        t.start();
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** The public URL (issuer), or null when the banner had none. */
    public String url() {
        return url;
    }

    /** The admin credential if this start created it, else null (it is shown once). */
    public String admin() {
        return admin;
    }

    /** The plain MQTT listener's port, -1 if off. */
    public int mqttPort() {
        return mqttPort;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(20, TimeUnit.SECONDS);
    }
}
