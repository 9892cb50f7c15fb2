package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code devices import} (tour Z, Z5 and Z6): a directory is refused; an interrupted import says how far it got. */
class DevicesImportCliTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryIsNotAnEmptyImport() {
        BrokerCliTest.Result r = BrokerCliTest.run("devices", "import", dir.toString(), "--url", "http://127.0.0.1:1",
                "--admin-credential", "x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("edgeauth: ").contains(dir.toString()).contains("not a regular file");
        assertThat(r.out()).doesNotContain("summary");
    }

    /** Ctrl-C (SIGINT) mid-import: the import names its last result line and that a replay is safe. */
    @Test
    void anInterruptedImportSaysHowFarItsResultsWentAndThatAReplayIsSafe() throws Exception {
        String jwk = new JsonObject(DeviceIdentity.generate("x").publicJwk().toJSONString()).encode();
        Path file = dir.resolve("fleet.ndjson");
        try (var w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < 300_000; i++) {
                w.write("{\"id\":\"ic-" + i + "\",\"jwk\":" + jwk + "}\n");
            }
        }
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), java.util.Map.of(
                "EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1")))) {
            // started as run-broker starts it (native access enabled: else JDK 22+ warns on stderr before our line)
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), BrokerCli.class.getName(), "devices", "import", file.toString(),
                    "--url", "http://127.0.0.1:" + broker.httpPort(), "--admin-credential",
                    broker.newAdminCredential().orElseThrow());
            Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("err.txt").toFile()).start();
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.add(line);
                    if (out.size() == 2000) {
                        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor(); // Ctrl-C
                    }
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("interrupted before its summary").noneMatch(l -> l.startsWith("{\"summary\""));
            long last = new JsonObject(out.get(out.size() - 1)).getLong("line");
            String err = Files.readString(dir.resolve("err.txt"));
            assertThat(err).startsWith("edgeauth: import interrupted").contains("line " + last)
                    .contains("Replay the whole file").contains("idempotent");
        }
    }
}
