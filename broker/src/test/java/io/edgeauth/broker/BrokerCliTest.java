package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BrokerCliTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) { }

    static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = BrokerCli.commandLine().execute(args);
            return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void printsTheDocumentedDefaults() {
        Result r = run("config", "defaults");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("maxLifetime: 10m").contains("geohash:").contains("connectionGuard:");
    }

    /** `config --help` answered "Unknown option: '--help'": every subcommand has the standard help options now. */
    @Test
    void everySubcommandAnswersHelp() {
        for (String[] args : new String[][] {{"config", "--help"}, {"keys", "rotate", "--help"}, {"devices", "import", "--help"},
                {"devices", "list", "--help"}, {"geo", "cover", "--help"}}) {
            Result r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage:");
        }
        assertThat(run("keys", "rotate", "--help").out()).contains("EDGEAUTH_PUBLIC_URL").contains("EDGEAUTH_HTTP_PORT");
    }

    /** Every build said "edgeauth 0.1.0" alike (tour U, U10): the version names the build's commit now. */
    @Test
    void versionNamesTheCommit() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out().strip()).isEqualTo("edgeauth " + io.edgeauth.broker.health.BuildInfo.current().version()
                + " (commit " + io.edgeauth.broker.health.BuildInfo.current().commit() + ")");
    }

    @Test
    void coversACircleWithCells() {
        Result r = run("geo", "cover", "--lat", "52.52", "--lon", "13.405", "--radius", "5000", "--max-cells", "16");
        assertThat(r.exit()).isZero();
        // the field names of POST /admin/geo/cover (tour Z, Z13: it printed "region")
        assertThat(new io.vertx.core.json.JsonObject(r.out().strip()).fieldNames()).containsExactlyInAnyOrder("cells",
                "precision", "overCoverage");
        assertThat(r.out()).contains("u33d");
        Result bad = run("geo", "cover", "--lat", "95", "--lon", "0", "--radius", "5");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("latitude");
    }

    /**
     * {@code -c FILE} before the command is the command's config, as {@code --help} shows it: {@code -c FILE run} started
     * on the defaults (the file ignored: its HSM, listen addresses and TLS dropped), and {@code -c FILE admin
     * reset-credential} reset the credential of whatever {@code ./edgeauth-data} there was (tour AA, AA2).
     */
    @Test
    void aConfigGivenBeforeTheCommandIsTheCommandsOrRefused() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "dataDir: " + dir + "\nhttp:\n  port: 99999\n");
        for (String[] args : new String[][] {{"-c", cfg.toString(), "run"}, {"--config", cfg.toString(), "admin",
            "reset-credential"}, {"-c", cfg.toString()}}) {
            Result r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).contains("http.port").contains("0-65535");
        }
        Result twice = run("-c", cfg.toString(), "run", "-c", dir.resolve("other.yaml").toString());
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("-c/--config is given twice");
        Result unused = run("-c", cfg.toString(), "keys", "rotate", "--admin-credential", "ea_admin_x");
        assertThat(unused.exit()).isEqualTo(2);
        assertThat(unused.err()).contains("-c/--config is not read by 'keys rotate'");
    }

    @Test
    void aBadConfigStopsStartUpNamingTheKey() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "dataDir: " + dir + "\nhttp:\n  port: 99999\n");
        Result r = run("run", "--config", cfg.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("http.port").contains("0-65535");
    }

    @Test
    void devicesImportPrintsEachResultTheSummaryAndTheBrokersOwnRefusal() throws Exception {
        Path file = dir.resolve("fleet.ndjson");
        Files.writeString(file, "{\"id\":\"cli-1\",\"x5tS256\":\"" + "A".repeat(43) + "\"}\n{\"id\":\"cli-2\"}\n");
        try (Broker broker = Broker.start(io.edgeauth.broker.testsupport.TestBrokers.config(dir.resolve("data"),
                java.util.Map.of("EDGEAUTH_COAP_PORT", "-1")))) {
            String url = "http://127.0.0.1:" + broker.httpPort();
            Result r = run("devices", "import", file.toString(), "--url", url,
                    "--admin-credential", broker.newAdminCredential().orElseThrow());
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).contains("\"id\":\"cli-1\",\"result\":\"created\"").contains("\"id\":\"cli-2\"")
                    .contains("{\"summary\":{\"created\":1");

            Result wrong = run("devices", "import", file.toString(), "--url", url, "--admin-credential", "ea_admin_wrong");
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err()).as("the broker's reason, not an empty one")
                    .contains("HTTP 401").contains("admin API needs the admin bearer credential");
        }
        Result missing = run("devices", "import", "no-such.ndjson", "--admin-credential", "x");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains(Path.of("no-such.ndjson").toAbsolutePath().toString());
        if (System.getenv("EDGEAUTH_ADMIN") == null) {
            Result none = run("devices", "import", file.toString());
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err()).contains("--admin-credential").contains("EDGEAUTH_ADMIN");
        }
    }

    /**
     * {@code devices list} walks the pages of {@code GET /admin/devices} and prints each device as one NDJSON line, in
     * id order (tour Z, Z1: no command could list the devices); a refusal is the broker's reason and exit 1, and a
     * listing can resume after a given id.
     */
    @Test
    void devicesListPrintsEveryDeviceAsOneNdjsonLineInIdOrder() throws Exception {
        try (Broker broker = Broker.start(io.edgeauth.broker.testsupport.TestBrokers.config(dir.resolve("data"),
                java.util.Map.of("EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"acme\"}]")))) {
            java.util.List<String> all = new java.util.ArrayList<>();
            for (int i = 24; i >= 0; i--) { // registered out of order
                String id = String.format("ls-%02d", i);
                all.add(0, id);
                broker.registry().register(new io.edgeauth.broker.registry.Device(id, i % 5 == 0 ? "acme" : "default",
                        new io.edgeauth.broker.registry.Device.Credential(
                                io.edgeauth.broker.registry.Device.CredentialType.X5T_S256, "A".repeat(43)),
                        java.util.List.of(), null, null, java.time.Instant.EPOCH));
            }
            String url = "http://127.0.0.1:" + broker.httpPort();
            String credential = broker.newAdminCredential().orElseThrow();
            Result r = run("devices", "list", "--url", url, "--admin-credential", credential, "--page-size", "7");
            assertThat(r.exit()).as(r.err()).isZero();
            java.util.List<io.vertx.core.json.JsonObject> lines = r.out().lines().map(io.vertx.core.json.JsonObject::new)
                    .toList();
            assertThat(lines).extracting(l -> l.getString("id")).isEqualTo(all);
            assertThat(lines.get(0).getString("tenant")).isEqualTo("acme");
            assertThat(lines.get(0).getString("x5tS256")).isEqualTo("A".repeat(43));

            Result acme = run("devices", "list", "--url", url, "--admin-credential", credential, "--tenant", "acme");
            assertThat(acme.exit()).as(acme.err()).isZero();
            assertThat(acme.out().lines().map(l -> new io.vertx.core.json.JsonObject(l).getString("id")))
                    .containsExactly("ls-00", "ls-05", "ls-10", "ls-15", "ls-20");
            Result resumed = run("devices", "list", "--url", url, "--admin-credential", credential, "--after", "ls-21");
            assertThat(resumed.out().lines().map(l -> new io.vertx.core.json.JsonObject(l).getString("id")))
                    .containsExactly("ls-22", "ls-23", "ls-24");

            Result unknown = run("devices", "list", "--url", url, "--admin-credential", credential, "--tenant", "globex");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("HTTP 400").contains("unknown tenant 'globex'");
            assertThat(unknown.out()).isEmpty();
            Result wrong = run("devices", "list", "--url", url, "--admin-credential", "ea_admin_wrong");
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).contains("HTTP 401").contains("admin API needs the admin bearer credential");
        }
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            s.close();
            Result none = run("devices", "list", "--url", "http://127.0.0.1:" + s.getLocalPort(), "--admin-credential", "x");
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err()).startsWith("edgeauth: listing failed: no answer from http://127.0.0.1:");
        }
        if (System.getenv("EDGEAUTH_ADMIN") == null) {
            Result none = run("devices", "list");
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err()).contains("--admin-credential").contains("EDGEAUTH_ADMIN");
        }
    }

    /** Every option of every command says what it is (tour N, N2: keys rotate --tenant, admin reset-credential -c). */
    @Test
    void everyOptionHasADescription() {
        java.util.Deque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(new CommandLine(new BrokerCli())));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                assertThat(String.join(" ", o.description())).as(c.getCommandSpec().qualifiedName() + " " + o.longestName())
                        .isNotBlank();
            }
            todo.addAll(c.getSubcommands().values());
        }
    }

    /** An import sent to a port that closes without answering (MQTT's) names the URL to check (tour N, N7). */
    @Test
    void devicesImportToAPortThatIsNotHttpSaysSo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("fleet.ndjson"), "{\"id\":\"x\"}\n");
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            Thread closer = new Thread(() -> {
                try (java.net.Socket c = s.accept()) {
                    c.getInputStream().read(); // then close without an answer, as a non-HTTP listener would
                } catch (java.io.IOException e) {
                    // the test fails on its own assertions
                }
            });
            closer.start();
            Result r = run("devices", "import", file.toString(), "--url", "http://127.0.0.1:" + s.getLocalPort(),
                    "--admin-credential", "x");
            closer.join(5000);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).startsWith("edgeauth: import failed: ").contains("is it the broker's HTTP URL")
                    .contains("127.0.0.1:" + s.getLocalPort());
        }
    }

    /** An unreachable JWKS URL is named with what failed, not with an exception's empty message ("null"). */
    @Test
    void auditVerifyWithAnUnreachableJwksSaysWhatFailed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path log = java.nio.file.Files.writeString(dir.resolve("audit.log"), "");
        Result r = run("audit", "verify", log.toString(), "--jwks", "http://127.0.0.1:" + closed + "/x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("edgeauth: cannot load the JWKS ").contains("no answer (ConnectException)")
                .doesNotContain("null").doesNotContain("\tat ");
    }

    /** The onboarding doc's recipe against a broker that is not there: one line, not a stack trace. */
    @Test
    void keysRotateWithoutABrokerSaysSoInOneLine() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Result r = run("keys", "rotate", "--url", "http://127.0.0.1:" + closed, "--admin-credential", "x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("edgeauth: key rotation failed: ").contains("127.0.0.1:" + closed)
                .doesNotContain("\tat ");
        for (String bad : new String[] {"notaurl", "http://127.0.0.1:99999"}) {
            Result badUrl = run("keys", "rotate", "--url", bad, "--admin-credential", "x");
            assertThat(badUrl.exit()).as(bad).isEqualTo(2);
            assertThat(badUrl.err()).as(bad).startsWith("edgeauth: key rotation failed: ").doesNotContain("\tat ");
        }
    }

    @Test
    void aPortInUseStopsStartUpNamingItAndTheFirstStartsCredentialIsNotLost() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path cfg = dir.resolve("clash.yaml");
            Files.writeString(cfg, "dataDir: " + dir.resolve("data") + "\nhttp:\n  host: 127.0.0.1\n  port: "
                    + taken.getLocalPort() + "\nmqtt:\n  port: 0\ncoap:\n  port: -1\n  dtlsPort: -1\n");
            Result r = run("run", "--config", cfg.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("edgeauth: start-up failed").contains("http.port")
                    .contains(String.valueOf(taken.getLocalPort()));
        }
        assertThat(dir.resolve("data/admin-credential.sha256")).as("no credential made that was never shown").doesNotExist();
    }
}
