package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.simulator.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options, their refusals, and a run against nothing at all. No broker needed. */
class RunCommandTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    private int exec(String... args) {
        return SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute(args);
    }

    private String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badOptionsExitWith2AndSayWhy() {
        String[][] cases = {
            {"--mqtt", "nohost", "must be host:port"},
            {"--mqtt", "h:99999", "port out of range"},
            {"--shard", "3/3", "shard must be i/n"},
            {"--concurrency", "15000", "open files"},
            {"--token-format", "xml", "jwt, cwt, jwe or cwt-encrypted"},
            {"--mqtt-version", "4", "5 or 3.1.1"},
            {"--chaos-share", "1.5", "chaos share"},
            {"--chaos-kinds", "sneaky", "unknown chaos kind"},
            {"--local-addrs", "127.0.0.9-127.0.0.3", "empty"},
            {"--local-addrs", "evil.example", "IP address"},
            {"--payload-bytes", "4", "--payload-bytes"},
            {"--protocol", "mqtt,xmpp", "unknown protocol 'xmpp'"},
            {"--protocol", "coap=abc", "weight is not a number"},
            {"--protocol", "coap=-1", "weight must be 0..1000000"},
            {"--protocol", "coap=NaN", "weight is not a number"},
            {"--protocol", "coap=1e9", "weight must be 0..1000000"},
            {"--protocol", "mqtt=0,coap=0", "must not all be 0"},
            {"--protocol", ",", "unknown protocol ''"},
            {"--protocol", "", "must name mqtt, coap or both"},
        };
        for (String[] c : cases) {
            buffer.reset();
            assertThat(exec("run", "--broker-url", "http://localhost:1", c[0], c[1], "--out", dir.toString())).as(c[0] + " " + c[1]).isEqualTo(2);
            assertThat(text()).as(c[0]).contains(c[2]);
        }
        String[][] coapCases = {
            {"--coap", "nohost", "--coap must be host:port"},
            {"--coap", "h:0", "--coap port out of range"},
            {"--coap", "h:x", "--coap port is not a number"},
            {"--coap-security", "tls", "ecdhe-psk, psk, rpk, x509 or none"},
            {"--coap-token", "pigeon", "http or coap"},
            {"--coap-end", "linger", "close or abandon"},
            {"--scenario", "revocation", "needs --coap-observe"},
        };
        for (String[] c : coapCases) {
            buffer.reset();
            assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "mqtt,coap", "--admin-credential", "x",
                    "--hold", "1s", "--revoke-count", "1", c[0], c[1], "--out", dir.toString())).as(c[0] + " " + c[1]).isEqualTo(2);
            assertThat(text()).as(c[0]).contains(c[2]);
        }
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "coap", "--coap-security", "none",
                "--coap-token", "coap")).isEqualTo(2);
        assertThat(text()).contains("--coap-token coap needs DTLS");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "coap", "--coap-security", "none",
                "--coap-end", "abandon")).isEqualTo(2);
        assertThat(text()).contains("--coap-end abandon keeps DTLS sessions");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "coap", "--coap-commands")).isEqualTo(2);
        assertThat(text()).contains("--coap-commands needs --coap-observe");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "coap", "--coap-observe", "--coap-commands"))
                .isEqualTo(2);
        assertThat(text()).contains("--coap-commands needs --observer");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--protocol", "coap", "--coap-security", "rpk",
                "--key-type", "ed25519")).isEqualTo(2);
        assertThat(text()).contains("--coap-security rpk and x509 use the devices' P-256 keys");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--admin-credential", "x", "--chaos-share", "0.1",
                "--chaos-kinds", "wrong-tenant")).isEqualTo(2);
        assertThat(text()).contains("--other-tenant");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--chaos-share", "0.1", "--chaos-kinds", "revoked")).isEqualTo(2);
        assertThat(text()).contains("--admin-credential");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://localhost:1", "--scenario", "revocation")).isEqualTo(2);
        assertThat(text()).contains("--revoke-count");
    }

    @Test
    void anUnwritableOutDirectoryIsRefusedBeforeTheFirstDevice() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory");
        Path out = file.resolve("sub");
        assertThat(exec("run", "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:1", "--devices", "3",
                "--no-metrics", "--drain", "1s", "--out", out.toString())).as(text()).isEqualTo(2);
        assertThat(text()).contains("cannot write --out " + out).doesNotContain("simulating devices").doesNotContain("summary:");
    }

    @Test
    void optionsThatDoNothingInTheChosenModeAreRefusedNamingTheMode() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "not read: refused before");
        String[][] cases = {
            {"--revoke-count 5", "--revoke-count has no effect without --scenario revocation"},
            {"--revoke-at 3s", "--revoke-at has no effect without --scenario revocation"},
            {"--renew-every 5s", "--renew-every has no effect without --scenario renewal"},
            {"--restart-command /bin/false", "--restart-command has no effect without --scenario restart"},
            {"--restart-window 1s", "--restart-window has no effect without --scenario restart"},
            {"--coap-observe", "--coap-observe has no effect without coap in --protocol"},
            {"--coap-renew-after 9", "--coap-renew-after has no effect without coap in --protocol"},
            {"--coap-security psk", "--coap-security has no effect without coap in --protocol"},
            {"--coap 127.0.0.1:5684", "--coap has no effect without coap in --protocol"},
            {"--other-tenant other", "--other-tenant has no effect without the chaos kind wrong-tenant"},
            {"--broker-region u33d", "--broker-region has no effect without the chaos kind wrong-region"},
            {"--expired-wait 1s", "--expired-wait has no effect without the chaos kind expired"},
            {"--token-lifetime 1h", "--token-lifetime has no effect without --token-source issuer"},
            {"--enrollment-group foo", "--enrollment-group has no effect without --onboarding group"},
            {"--mqtt-ca " + dir.resolve("ca.pem"), "--mqtt-ca has no effect without --mqtt-tls tls or mtls"},
        };
        for (String[] c : cases) {
            buffer.reset();
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--broker-url", "http://localhost:1",
                    "--admin-credential", "x", "--out", dir.toString()));
            args.addAll(java.util.List.of(c[0].split(" ")));
            assertThat(exec(args.toArray(String[]::new))).as(c[0] + ": " + text()).isEqualTo(2);
            assertThat(text()).as(c[0]).contains(c[1]).doesNotContain("simulating devices");
        }
        // given with its mode, the same options are taken (the runs then fail against nothing, exit 1)
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:1", "--devices", "2", "--no-metrics",
                "--drain", "1s", "--admin-credential", "x", "--chaos-share", "0.5", "--chaos-kinds", "wrong-region", "--broker-region", "u33d",
                "--token-source", "issuer", "--token-lifetime", "1h", "--out", dir.toString())).as(text()).isEqualTo(1);
    }

    @Test
    void badValuesAreRefusedNamingTheirOption() throws Exception {
        String[][] cases = {
            {"--connect-timeout 0s", "--connect-timeout must be positive"},
            {"--drain 99999999h", "--drain must be at most 30 days"},
            {"--max-duration 99999999h", "--max-duration must be at most 30 days"},
            {"--hold 99999999h", "--hold must be at most 30 days"},
            {"--event-loops -1", "--event-loops must be 0 (one per core) .. 256"},
            {"--work-threads -5", "--work-threads must be 0 (one per core) .. 1024"},
            {"--work-threads 100000", "--work-threads must be 0 (one per core) .. 1024"},
            {"--shard 0/10 --devices 5", "shard 0/10 of 5 devices has no device: use at most 5 shards"},
        };
        for (String[] c : cases) {
            buffer.reset();
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--broker-url", "http://localhost:1",
                    "--out", dir.toString()));
            args.addAll(java.util.List.of(c[0].split(" ")));
            assertThat(exec(args.toArray(String[]::new))).as(c[0] + ": " + text()).isEqualTo(2);
            assertThat(text()).as(c[0]).contains(c[1]).doesNotContain("simulating devices");
        }
        buffer.reset();
        assertThat(exec("run", "--broker-url", "127.0.61.1:27080", "--out", dir.toString())).isEqualTo(2);
        assertThat(text()).contains("--broker-url").contains("must be an http(s) URL").doesNotContain("URISyntaxException");
        // an IO failure says what failed, not only the path
        Path file = dir.resolve("plain-file");
        Files.writeString(file, "x");
        buffer.reset();
        assertThat(exec("psk-master", "--out", file.resolve("psk").toString())).isEqualTo(2);
        assertThat(text()).contains(file.resolve("psk").toString()).containsPattern("error: [A-Za-z]+Exception|error: cannot");
    }

    @Test
    void localAddressesExpand() {
        assertThat(LocalAddresses.parse("3")).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4");
        assertThat(LocalAddresses.parse("127.0.0.10-127.0.0.12")).hasSize(3);
        assertThat(LocalAddresses.parse("127.0.0.7,127.0.0.8")).hasSize(2);
        assertThat(LocalAddresses.parse("0")).isEmpty();
        assertThatThrownBy(() -> LocalAddresses.parse("999")).hasMessageContaining("at most");
        assertThatThrownBy(() -> LocalAddresses.parse("127.0.0.1-127.0.1.5")).hasMessageContaining("last octet");
        // a count of 4+ digits was read as an IPv4 number (1000 = 0.0.3.232), and addresses of other hosts were taken
        assertThatThrownBy(() -> LocalAddresses.parse("1000")).hasMessageContaining("at most 250");
        assertThatThrownBy(() -> LocalAddresses.parse("100000")).hasMessageContaining("at most 250");
        assertThatThrownBy(() -> LocalAddresses.parse("127.0.0.5,1000")).hasMessageContaining("not an IP address literal: 1000");
        assertThatThrownBy(() -> LocalAddresses.parse("192.0.2.77")).hasMessageContaining("192.0.2.77 is not an address of this host");
    }

    @Test
    void unreachableBrokerFailsTheRunWithReasons() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        int code = exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--mqtt", "127.0.0.1:" + dead, "--devices", "5",
                "--arrival-rate", "50", "--no-metrics", "--drain", "1s", "--out", dir.toString());
        assertThat(code).as(text()).isEqualTo(1);
        RunResult r = RunResult.read(dir.resolve("run.json"));
        assertThat(r.failures()).containsEntry("token:transport", 5L);
        assertThat(r.verdict().ok()).isFalse();
        assertThat(text()).contains("summary: FAIL devices=5").contains("[");
        assertThat(Files.readString(dir.resolve("report.html"))).contains("FAIL").contains("token:transport");
    }

    @Test
    void aBrokerThatIsGoneStopsTheRunStartingDevices() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        // by default: the run went on starting the whole fleet against a broker that was gone (tour AB, AB7)
        int code = exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--mqtt", "127.0.0.1:" + dead, "--devices", "250",
                "--arrival-rate", "500", "--no-metrics", "--drain", "1s", "--out", dir.toString());
        assertThat(code).as(text()).isEqualTo(1);
        RunResult r = RunResult.read(dir.resolve("run.json"));
        long unreachable = r.failures().getOrDefault("token:transport", 0L);
        assertThat(unreachable).isBetween(100L, 200L);
        assertThat(r.failures()).containsEntry("unfinished:not_started_broker_unreachable", 250 - unreachable)
                .doesNotContainKey("unfinished:not_started_before_max_duration");
        assertThat(text()).containsOnlyOnce("broker unreachable: 100 sessions in a row could not reach it")
                .contains("(the last: token:transport); no further device is started (--stop-after-unreachable)");
        // given
        buffer.reset();
        exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--mqtt", "127.0.0.1:" + dead, "--devices", "60",
                "--arrival-rate", "500", "--stop-after-unreachable", "5", "--no-metrics", "--drain", "1s", "--out", dir.toString());
        r = RunResult.read(dir.resolve("run.json"));
        assertThat(r.failures().get("token:transport")).isBetween(5L, 50L);
        assertThat(r.failures().get("unfinished:not_started_broker_unreachable") + r.failures().get("token:transport")).isEqualTo(60);
        // the restart scenario takes its broker away on purpose: never stopped, and the option is refused there
        buffer.reset();
        exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--mqtt", "127.0.0.1:" + dead, "--devices", "150",
                "--arrival-rate", "500", "--scenario", "restart", "--hold", "1s", "--no-metrics", "--drain", "1s", "--out", dir.toString());
        assertThat(RunResult.read(dir.resolve("run.json")).failures()).containsEntry("token:transport", 150L)
                .doesNotContainKey("unfinished:not_started_broker_unreachable");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--scenario", "restart", "--hold", "1s",
                "--stop-after-unreachable", "5", "--out", dir.toString())).isEqualTo(2);
        assertThat(text()).contains("--stop-after-unreachable has no effect with --scenario restart");
        buffer.reset();
        assertThat(exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--stop-after-unreachable", "-1",
                "--out", dir.toString())).isEqualTo(2);
        assertThat(text()).contains("--stop-after-unreachable must be 0 (never) or more");
    }

    @Test
    void aFailedBulkImportStartsNoDevice() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        int code = exec("run", "--broker-url", "http://127.0.0.1:" + dead, "--mqtt", "127.0.0.1:" + dead, "--admin-credential", "x",
                "--onboarding", "bulk", "--devices", "50", "--arrival-rate", "100", "--no-metrics", "--drain", "1s", "--out", dir.toString());
        assertThat(code).as(text()).isEqualTo(1);
        RunResult r = RunResult.read(dir.resolve("run.json"));
        assertThat(r.failures()).containsEntry("register:bulk_failed", 1L)
                .containsEntry("unfinished:not_started_onboarding_failed", 50L).doesNotContainKey("token:transport");
        assertThat(r.totals().sessions()).isZero();
        assertThat(text()).contains("bulk import failed").contains("no device is started");
    }

    @Test
    void aRefusedAdminCredentialStopsStartingDevices() throws Exception {
        com.sun.net.httpserver.HttpServer refusing = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        refusing.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        refusing.start();
        try {
            int code = exec("run", "--broker-url", "http://127.0.0.1:" + refusing.getAddress().getPort(), "--mqtt", "127.0.0.1:1",
                    "--admin-credential", "ea_admin_wrong", "--onboarding", "admin-api", "--devices", "50", "--arrival-rate", "25",
                    "--no-metrics", "--drain", "1s", "--out", dir.toString());
            assertThat(code).as(text()).isEqualTo(1);
        } finally {
            refusing.stop(0);
        }
        RunResult r = RunResult.read(dir.resolve("run.json"));
        // every device was driven into the same refusal, one by one (tour AB, AB4)
        long refused = r.failures().getOrDefault("register:admin_credential_refused", 0L);
        assertThat(refused).isBetween(1L, 10L);
        assertThat(r.failures()).containsEntry("unfinished:not_started_onboarding_failed", 50 - refused);
        assertThat(text()).containsOnlyOnce("the broker refused the admin credential").contains("no further device is started");
    }

    @Test
    void sessionsStillOpenAtTheEndAreCountedOneEach() throws Exception {
        try (AcceptAllMqttBroker fake = new AcceptAllMqttBroker()) {
            int code = exec("run", "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:" + fake.port(), "--token-source",
                    "issuer", "--onboarding", "none", "--devices", "10", "--arrival-rate", "100", "--hold", "60s",
                    "--max-duration", "2s", "--drain", "1s", "--no-metrics", "--out", dir.toString());
            assertThat(code).as(text()).isEqualTo(1);
            // one failure for ten open sessions read as one (tour AB, AB16)
            assertThat(RunResult.read(dir.resolve("run.json")).failures()).containsEntry("unfinished:sessions_open_at_end", 10L);
        }
    }

    @Test
    void expiredChaosWithBrokerTokensSaysHowLongTheRunLasts() throws Exception {
        exec("run", "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:1", "--admin-credential", "x", "--devices", "2",
                "--chaos-share", "0.5", "--chaos-kinds", "expired", "--max-duration", "2s", "--drain", "1s", "--no-metrics",
                "--out", dir.toString());
        // a short --max-duration gave an unexplained "chaos devices refused as expected 0 of 8" (tour AB, AB17)
        assertThat(text()).contains("note: expired chaos devices connect after their broker token expired")
                .contains("--token-source issuer --token-lifetime");
    }

    @Test
    void expiredChaosDevicesStillWaitingAtTheEndHaveAnOutcomeOfTheirOwn() throws Exception {
        // tokens of an hour: the expired devices are still waiting them out when the 2 s run ends
        int code = exec("run", "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:1", "--token-source", "issuer",
                "--token-lifetime", "1h", "--onboarding", "none", "--devices", "20", "--chaos-share", "0.5", "--chaos-kinds", "expired",
                "--arrival-rate", "100", "--max-duration", "2s", "--drain", "1s", "--no-metrics", "--out", dir.toString());
        assertThat(code).as(text()).isEqualTo(1);
        RunResult r = RunResult.read(dir.resolve("run.json"));
        long chaos = r.totals().chaosDevices();
        assertThat(chaos).isPositive();
        // they read as open sessions and "refused as expected 0 of N", with nothing naming the wait (tour AB, AB17)
        assertThat(r.failures()).containsEntry("chaos:expired:still_waiting", chaos)
                .doesNotContainKey("unfinished:sessions_open_at_end");
        assertThat(r.chaos().get("expired").otherOutcomes()).containsEntry("still_waiting", chaos);
    }

    @Test
    void reportAndMergeRefuseFilesThatAreNotResults() throws Exception {
        Path bogus = dir.resolve("bogus.json");
        Files.writeString(bogus, "{\"format\":\"something-else\"}");
        assertThat(exec("report", bogus.toString(), "-o", dir.resolve("x.html").toString())).isEqualTo(2);
        assertThat(text()).contains("not a simulator run result");
        Files.writeString(bogus, "{not json");
        assertThat(exec("merge", bogus.toString(), "-o", dir.resolve("m").toString())).isEqualTo(2);
        assertThat(exec("report", dir.resolve("missing.json").toString())).isEqualTo(2);
    }
}
