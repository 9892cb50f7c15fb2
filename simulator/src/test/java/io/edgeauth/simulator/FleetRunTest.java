package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import io.edgeauth.simulator.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small fleets through the whole flow against a real broker in this JVM, one scenario per test. */
class FleetRunTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;
    /** Short enough for expired-token devices and renewals to happen within a test, long enough for a loaded machine. */
    static final String TOKEN_LIFETIME = "30s";

    @BeforeAll
    static void start() throws Exception {
        // the node serves u33d: wrong-region chaos devices are registered elsewhere; the fleet CA provisions zero-touch devices
        Path fleetCa = dir.resolve("fleet-ca.pem");
        java.nio.file.Files.write(fleetCa, new io.edgeauth.simulator.fleet.FleetCa(InProcessBroker.SEED).pemBytes());
        broker = new InProcessBroker(dir, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", TOKEN_LIFETIME, "EDGEAUTH_REGION_GEOHASH", "u33d",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}",
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"sim-ca\",\"certificateFile\":\"" + fleetCa + "\"}]",
                // group devices: the group secret is the fleet's PSK master (the file InProcessBroker writes for DTLS)
                "EDGEAUTH_PROVISIONING_ENROLLMENT_GROUPS", "[{\"id\":\"sim\",\"secretFile\":\"" + dir.resolve("psk-master") + "\"}]"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Outcome run(String prefix, String... extra) throws Exception {
        return SimulatorRuns.run(broker, dir, prefix, extra);
    }

    @Test
    void steadyFleetWithEveryChaosKindPassesAndEveryMessageIsDelivered() throws Exception {
        Outcome o = run("steady", "--devices", "200", "--arrival-rate", "50", "--concurrency", "50", "--messages", "3",
                "--observer", "--chaos-share", "0.12", "--chaos-kinds", "expired,revoked,wrong-tenant,wrong-region,forged,replayed",
                "--other-tenant", "other", "--broker-region", "u33d", "--expired-wait", "1s", "--local-addrs", "4");
        RunResult.Totals t = o.result().totals();
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().verdict().ok()).isTrue();
        assertThat(t.devices()).isEqualTo(200);
        assertThat(t.chaosDevices()).isBetween(8L, 40L);
        assertThat(t.chaosRefused()).isEqualTo(t.chaosDevices());
        assertThat(o.result().chaos()).containsOnlyKeys("expired", "revoked", "wrong-tenant", "wrong-region", "forged", "replayed");
        assertThat(o.result().chaos().get("forged").expected()).isEqualTo("connect:bad_signature");
        assertThat(o.result().chaos().get("wrong-region").expected()).isEqualTo("connect:outside_region");
        long honest = 200 - t.chaosDevices();
        assertThat(t.honestAccepted()).isEqualTo(honest);
        assertThat(t.honestCompleted()).isEqualTo(honest);
        assertThat(t.published()).isEqualTo(3 * honest);
        assertThat(t.acked()).isEqualTo(3 * honest);
        assertThat(t.delivered()).isEqualTo(3 * honest);
        assertThat(o.result().failures()).isEmpty();
        assertThat(o.text()).contains("summary: PASS devices=200");
    }

    @Test
    void aPublishOverTheBrokersMaximumPacketSizeFailsNamingItAndIsNotSent() throws Exception {
        // the broker's CONNACK announces its mqtt.maxPacketSize (65,536 by default); a larger PUBLISH ended the
        // device's connection and read as publish:connection_closed, naming no limit (tour AB, AB20)
        Outcome o = run("toolarge", "--devices", "4", "--arrival-rate", "20", "--payload-bytes", "70000");
        assertThat(o.code()).as(o.text()).isEqualTo(1);
        assertThat(o.result().failures()).containsOnly(Map.entry("publish:packet_too_large", 4L));
        assertThat(o.result().totals().honestAccepted()).isEqualTo(4);
        // never sent, so not published either: counted as published, the 4 read as sent and unacknowledged
        assertThat(o.result().totals().published()).isZero();
        assertThat(o.result().totals().acked()).isZero();
        assertThat(o.result().verdict().problems()).containsExactly("publish:packet_too_large x4");
        assertThat(o.text()).contains(" published=0 acked=0 ");
        // 3.1.1 has no CONNACK properties: the packet goes out and the broker's close is what there is to report
        Outcome v3 = run("toolarge3", "--devices", "2", "--arrival-rate", "20", "--payload-bytes", "70000", "--mqtt-version", "3.1.1");
        assertThat(v3.result().failures()).doesNotContainKey("publish:packet_too_large");
    }

    @Test
    void anObserverOfAnotherSeedThanTheBrokerTrustsIsRefusedWithWhatToDo() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute("run",
                "--broker-url", broker.url, "--mqtt", broker.mqtt(), "--admin-credential", broker.admin, "--fleet-seed", "another-seed",
                "--device-prefix", "otherseed", "--devices", "1", "--observer", "--no-metrics", "--out", dir.resolve("otherseed").toString());
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isEqualTo(1);
        // the refusal alone ('refused 0x86 unknown_key') did not say how the broker comes to trust the fleet's key (tour AB, AB3)
        assertThat(text).contains("observer could not subscribe: refused 0x86 unknown_key")
                .contains("give it the output of 'jwks --fleet-seed <this run's seed>'").contains("urn:edgeauth:simulator");
    }

    @Test
    void shardsMergeToTheTotalsOfOneRun() throws Exception {
        String[] common = {"--devices", "90", "--arrival-rate", "60", "--concurrency", "30", "--messages", "2", "--observer",
                "--chaos-share", "0.1", "--chaos-kinds", "forged,replayed"};
        Outcome whole = run("merge", common);
        List<Path> parts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> args = new ArrayList<>(List.of(common));
            args.addAll(List.of("--shard", i + "/3"));
            parts.add(SimulatorRuns.runAs(broker, dir, "merge-" + i, InProcessBroker.SEED, "mergeshards", args.toArray(String[]::new))
                    .dir().resolve("run.json"));
        }
        // the shards ran one fleet (same seed and prefix, which merge checks)
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Path merged = dir.resolve("merged");
        List<String> mergeArgs = new ArrayList<>(List.of("merge", "-o", merged.toString()));
        parts.forEach(p -> mergeArgs.add(p.toString()));
        int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute(mergeArgs.toArray(String[]::new));
        RunResult m = RunResult.read(merged.resolve("run.json"));
        RunResult.Totals a = whole.result().totals();
        RunResult.Totals b = m.totals();
        assertThat(code).as(buffer.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(whole.code()).isZero();
        assertThat(m.shards()).containsExactly("0/3", "1/3", "2/3");
        assertThat(b.devices()).isEqualTo(a.devices()).isEqualTo(90);
        assertThat(b.sessions()).isEqualTo(a.sessions());
        assertThat(b.chaosDevices()).isEqualTo(a.chaosDevices());
        assertThat(b.chaosRefused()).isEqualTo(a.chaosRefused());
        assertThat(b.honestAccepted()).isEqualTo(a.honestAccepted());
        assertThat(b.honestCompleted()).isEqualTo(a.honestCompleted());
        assertThat(b.published()).isEqualTo(a.published());
        assertThat(b.acked()).isEqualTo(a.acked());
        assertThat(b.delivered()).isEqualTo(a.delivered());
        assertThat(m.stages().get("publish").count()).isEqualTo(whole.result().stages().get("publish").count());
        assertThat(m.chaos()).isEqualTo(whole.result().chaos());
        assertThat(m.verdict().ok()).isTrue();
        assertThat(java.nio.file.Files.readString(merged.resolve("report.html"))).contains("<polyline");
    }

    @Test
    void aBrokerThatAcceptsForgedTokensFailsTheRun() throws Exception {
        try (AcceptAllMqttBroker fake = new AcceptAllMqttBroker()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            Path out = dir.resolve("fake");
            int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute("run",
                    "--broker-url", broker.url, "--mqtt", "127.0.0.1:" + fake.port(), "--admin-credential", broker.admin,
                    "--fleet-seed", InProcessBroker.SEED, "--device-prefix", "fake", "--devices", "40", "--arrival-rate", "40",
                    "--concurrency", "20", "--chaos-share", "0.25", "--chaos-kinds", "forged", "--no-metrics", "--out", out.toString());
            String text = buffer.toString(StandardCharsets.UTF_8);
            RunResult r = RunResult.read(out.resolve("run.json"));
            assertThat(code).as(text).isEqualTo(SimulatorCli.FAILED);
            assertThat(r.verdict().ok()).isFalse();
            assertThat(r.chaos().get("forged").otherOutcomes()).containsKey("accepted");
            assertThat(r.failures()).containsKey("chaos:forged:accepted");
            assertThat(text).contains("summary: FAIL").contains("chaos:forged:accepted");
            assertThat(r.totals().honestAccepted()).isEqualTo(40 - r.totals().chaosDevices()); // honest ones were fine
        }
    }

    @Test
    void devicesTryAShedConnectAgainAfterABackoff() throws Exception {
        for (String version : List.of("5", "3.1.1")) {
            try (AcceptAllMqttBroker busy = new AcceptAllMqttBroker(true)) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                Path out = dir.resolve("busy" + version.charAt(0));
                int code = SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute("run",
                        "--broker-url", broker.url, "--mqtt", "127.0.0.1:" + busy.port(), "--admin-credential", broker.admin,
                        "--fleet-seed", InProcessBroker.SEED, "--device-prefix", "busy" + version.charAt(0), "--devices", "20",
                        "--arrival-rate", "20", "--concurrency", "20", "--mqtt-version", version, "--no-metrics",
                        "--out", out.toString());
                String text = buffer.toString(StandardCharsets.UTF_8);
                RunResult r = RunResult.read(out.resolve("run.json"));
                assertThat(code).as(text).isZero();
                assertThat(r.failures()).as(version).isEmpty();
                assertThat(r.totals().honestAccepted()).as(version).isEqualTo(20);
                assertThat(busy.connects.get()).as("each device shed once, then accepted").isEqualTo(40);
                assertThat(text).contains("busy_retries=20");
                // in the result too, not only in the progress line (tour AB, AB22)
                assertThat(r.totals().busyRetries()).as(version).isEqualTo(20);
                assertThat(text).containsPattern("summary: PASS .* busy_retries=20");
            }
        }
    }

    @Test
    void renewalScenarioRenewsTokensOnLiveSessions() throws Exception {
        for (String version : List.of("5", "3.1.1")) {
            Outcome o = run("renew" + version.charAt(0), "--scenario", "renewal", "--devices", "12", "--arrival-rate", "12",
                    "--concurrency", "12", "--hold", "8s", "--renew-every", "3s", "--mqtt-version", version);
            assertThat(o.code()).as(o.text()).isZero();
            assertThat(o.result().totals().renewals()).as(version).isGreaterThanOrEqualTo(12);
            assertThat(o.result().stages().get("renewal").count()).isEqualTo(o.result().totals().renewals());
        }
    }

    @Test
    void revocationWaveDropsLiveSessions() throws Exception {
        Outcome o = run("wave", "--scenario", "revocation", "--devices", "30", "--arrival-rate", "30", "--concurrency", "30",
                "--hold", "12s", "--revoke-at", "4s", "--revoke-count", "10");
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().totals().revokedLive()).isEqualTo(10);
        assertThat(o.result().stages().get("revocation_drop").count()).isEqualTo(10);
        assertThat(o.result().totals().honestCompleted()).isEqualTo(20);
        assertThat(o.text()).contains("revocation wave: revoking 10 live devices");
    }

    @Test
    void connectStormOnMqtt311WithCwtTokens() throws Exception {
        Outcome o = run("storm", "--scenario", "storm", "--devices", "80", "--concurrency", "40", "--mqtt-version", "3.1.1",
                "--token-format", "cwt", "--key-type", "ed25519", "--chaos-share", "0.15", "--chaos-kinds", "revoked,wrong-region,replayed",
                "--broker-region", "u33d");
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(o.result().chaos().get("revoked").expected()).isEqualTo("connect:code5");
        assertThat(o.result().chaos().get("wrong-region").expected()).isEqualTo("connect:code5");
        assertThat(o.result().totals().chaosRefused()).isEqualTo(o.result().totals().chaosDevices());
        assertThat(o.result().stages().get("start_lag").max()).isGreaterThan(0);
    }

    @Test
    void zeroTouchDevicesAreProvisionedFromTheirCertificateOnTheirFirstTokenRequest() throws Exception {
        Outcome o = run("zero-touch", "--onboarding", "zero-touch", "--devices", "40", "--arrival-rate", "40",
                "--concurrency", "20", "--messages", "1", "--observer", "--chaos-share", "0.2", "--chaos-kinds", "forged,replayed",
                "--local-addrs", "2");
        assertEveryHonestDeviceInWithoutAnAdminCall(o, 40);
        assertThat(o.result().parameters()).as("run.json names the onboarding")
                .containsEntry("onboarding", "zero-touch").containsKey("expiredWait");
        // the broker had never heard of them: each record was made from its certificate, by the fleet CA's template
        java.net.http.HttpResponse<String> record = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(broker.url + "/admin/devices/zero-touch-0"))
                        .header("Authorization", "Bearer " + broker.admin).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(record.statusCode()).as(record.body()).isEqualTo(200);
    }

    @Test
    void groupDevicesAreProvisionedFromTheirGroupDerivedKeyOnTheirFirstTokenRequest() throws Exception {
        Outcome o = run("group", "--onboarding", "group", "--enrollment-group", "sim", "--devices", "40", "--arrival-rate", "40",
                "--concurrency", "20", "--messages", "1", "--observer", "--chaos-share", "0.2", "--chaos-kinds", "forged,replayed",
                "--mqtt-version", "3.1.1", "--local-addrs", "2");
        assertEveryHonestDeviceInWithoutAnAdminCall(o, 40);
    }

    private static void assertEveryHonestDeviceInWithoutAnAdminCall(Outcome o, int devices) {
        RunResult.Totals t = o.result().totals();
        assertThat(o.code()).as(o.text()).isZero();
        assertThat(t.chaosRefused()).isEqualTo(t.chaosDevices());
        assertThat(t.honestAccepted()).isEqualTo(devices - t.chaosDevices());
        assertThat(t.delivered()).isEqualTo(devices - t.chaosDevices());
        assertThat(o.result().stages().get("register").count()).as("no admin call").isZero();
    }
}
