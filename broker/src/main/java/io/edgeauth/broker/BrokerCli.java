package io.edgeauth.broker;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the broker jar: {@code run} (the default), {@code keys rotate}, {@code config defaults}, {@code admin reset-credential}. */
// INHERIT: every subcommand answers --help too (`config --help` was "Unknown option")
@Command(name = "edgeauth-broker", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = BrokerCli.Version.class,
        description = "Edge broker that authenticates IoT devices and wallets.",
        subcommands = {BrokerCli.Run.class, BrokerCli.Keys.class, BrokerCli.ConfigCmd.class, BrokerCli.Admin.class,
                BrokerCli.Geo.class, DevicesCli.class, AuditCli.class})
public final class BrokerCli implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "YAML config file (defaults: `config defaults`)")
    Path config;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line: a {@code -c} given before the command (as {@code --help} shows it) is the config of {@code run}
     * and {@code admin reset-credential}, and refused before a command that reads none; it was silently ignored
     * (tour AA, AA2: {@code -c hsm.yaml run} started on the defaults, its HSM and listen addresses dropped).
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BrokerCli());
        cli.setExecutionStrategy(BrokerCli::execute);
        return cli;
    }

    private static int execute(CommandLine.ParseResult parsed) {
        BrokerCli root = (BrokerCli) parsed.commandSpec().userObject();
        CommandLine.ParseResult last = parsed;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        Object command = last.commandSpec().userObject();
        boolean help = last.isUsageHelpRequested() || last.isVersionHelpRequested();
        if (root.config != null && command != root && !help) {
            String name = last.commandSpec().qualifiedName(" ").substring(parsed.commandSpec().name().length() + 1);
            Path own = command instanceof Run r ? r.config : command instanceof Admin.Reset a ? a.config : null;
            if (!(command instanceof Run) && !(command instanceof Admin.Reset)) {
                System.err.println("edgeauth: -c/--config is not read by '" + name + "'; leave it out");
                return 2;
            }
            if (own != null && !own.equals(root.config)) {
                System.err.println("edgeauth: -c/--config is given twice (before and after '" + name + "'): give it once");
                return 2;
            }
            if (command instanceof Run r) {
                r.config = root.config;
            } else {
                ((Admin.Reset) command).config = root.config;
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    @Override
    public Integer call() throws Exception {
        Run run = new Run();
        run.config = config;
        return run.call();
    }

    /** {@code --version}: the version and the git commit of this build, which tell builds apart (tour U, U10). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"edgeauth " + io.edgeauth.broker.health.BuildInfo.current().describe()};
        }
    }

    /** Runs the broker until interrupted. */
    @Command(name = "run", description = "Run the broker (the default command).")
    static final class Run implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, description = "YAML config file")
        Path config;

        @Override
        public Integer call() throws Exception {
            BrokerConfig cfg;
            try {
                ConfigLoader loader = new ConfigLoader();
                cfg = loader.load(config);
                loader.ignoredVariables().forEach(v ->
                        System.err.println("edgeauth: note: " + v + " is not a config variable; ignored"));
            } catch (ConfigException e) {
                System.err.println("edgeauth: " + e.getMessage());
                return 2;
            }
            Broker broker;
            try {
                broker = Broker.start(cfg);
            } catch (Exception e) { // a checked failure may come through unwrapped (Vert.x)
                System.err.println("edgeauth: start-up failed: " + e.getMessage());
                org.slf4j.LoggerFactory.getLogger(BrokerCli.class).debug("start-up failure", e);
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                broker.close();
                stopped.countDown();
            }, "shutdown"));
            System.out.println(banner(broker));
            stopped.await();
            return 0;
        }

        /** A listen host as a URL host: any address reads as localhost, an IPv6 literal gets brackets. */
        private static String hostForUrl(String host) {
            if (host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
                return "localhost";
            }
            return host.contains(":") ? "[" + host + "]" : host;
        }

        static String banner(Broker broker) {
            StringBuilder sb = new StringBuilder();
            sb.append("edgeauth broker ").append(io.edgeauth.broker.health.BuildInfo.current().describe()).append(" is up\n");
            // this node's own address: with several nodes behind one public URL, that URL may be another node's
            String publicUrl = broker.config().publicUrl();
            String node = "http://" + hostForUrl(broker.config().http().host()) + ":" + broker.httpPort();
            // the hint is where this node listens: the default public URL (localhost) does not reach a node bound to
            // one address
            boolean ours = publicUrl.equals(node);
            String here = node;
            sb.append("  HTTP   ").append(here).append("  (health: /health, JWKS: /.well-known/jwks.json)\n");
            if (!ours) {
                sb.append("         public URL (issuer, token audience) ").append(publicUrl).append('\n');
            }
            for (String line : broker.listenerSummary().subList(1, broker.listenerSummary().size())) {
                sb.append("  ").append(line).append('\n');
            }
            sb.append("  data   ").append(broker.config().dataDir().toAbsolutePath()).append('\n');
            // printed once: standard output also carries the audit log by default and is often kept (journal, container
            // log), so the hint names the credential as a shell variable instead of a second copy
            broker.newAdminCredential().ifPresentOrElse(
                    c -> sb.append("  e.g. ADMIN=<the credential below>; curl -H \"Authorization: Bearer $ADMIN\" ")
                            .append(here).append("/admin/devices/<id>\n")
                            .append("  admin credential (shown once, keep it): ").append(c).append('\n'),
                    () -> sb.append("  admin credential: created on first start (lost it? `admin reset-credential`)\n"));
            return sb.toString();
        }
    }

    /** Key management through the running broker's admin API. */
    @Command(name = "keys", description = "Signing keys.", subcommands = Keys.Rotate.class)
    static final class Keys {
        @Command(name = "rotate", description = "Rotate a tenant's signing key on a running broker.")
        static final class Rotate implements Callable<Integer> {
            @Option(names = "--tenant", defaultValue = "default", description = "tenant whose signing key is rotated (default ${DEFAULT-VALUE})")
            String tenant;
            @picocli.CommandLine.Mixin
            DevicesCli.AdminConnection admin;

            /**
             * Exit codes: 0 rotated (the broker's answer on stdout), 1 refused (its reason on stderr), 2 no answer, no
             * credential or a URL the credential must not go to.
             */
            @Override
            public Integer call() throws Exception {
                if (!admin.ready()) {
                    return 2;
                }
                String url = admin.url;
                String credential = admin.credential;
                HttpRequest request;
                try {
                    request = HttpRequest.newBuilder(URI.create(url + "/admin/keys/rotate"))
                            .timeout(Duration.ofSeconds(10))
                            .header("authorization", "Bearer " + credential)
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(new io.vertx.core.json.JsonObject()
                                    .put("tenant", tenant).encode()))
                            .build();
                } catch (IllegalArgumentException e) {
                    System.err.println("edgeauth: key rotation failed: --url '" + url + "' is not a usable http(s) URL ("
                            + e.getMessage() + ")");
                    return 2;
                }
                HttpResponse<String> response;
                try {
                    response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException | IllegalArgumentException e) { // the JDK checks the port only here
                    System.err.println("edgeauth: key rotation failed: no answer from " + url + " ("
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
                    return 2;
                }
                if (response.statusCode() != 200) {
                    System.err.println("edgeauth: key rotation refused (HTTP " + response.statusCode() + "): "
                            + DevicesCli.reason(response.body()));
                    return 1;
                }
                System.out.println(response.body());
                return 0;
            }
        }
    }

    /** Prints the documented default configuration. */
    @Command(name = "config", description = "Configuration.", subcommands = ConfigCmd.Defaults.class)
    static final class ConfigCmd {
        @Command(name = "defaults", description = "Print every config key with its default and meaning.")
        static final class Defaults implements Callable<Integer> {
            @Override
            public Integer call() {
                System.out.print(ConfigLoader.defaultsText());
                return 0;
            }
        }
    }

    /** GeoHash helpers for device regions (offline). */
    @Command(name = "geo", description = "GeoHash helpers.", subcommands = Geo.CoverCmd.class)
    static final class Geo {
        @Command(name = "cover", description = "GeoHash cells covering a circle, for a device's region.")
        static final class CoverCmd implements Callable<Integer> {
            @Option(names = "--lat", required = true, description = "latitude of the circle's centre, in degrees")
            double lat;
            @Option(names = "--lon", required = true, description = "longitude of the circle's centre, in degrees")
            double lon;
            @Option(names = "--radius", required = true, description = "radius in metres")
            double radius;
            @Option(names = "--max-cells", defaultValue = "64", description = "cap on cells (default ${DEFAULT-VALUE})")
            int maxCells;

            @Override
            public Integer call() {
                try {
                    io.edgeauth.geo.Cover cover = io.edgeauth.geo.Covers.circle(new io.edgeauth.geo.LatLon(lat, lon),
                            radius, io.edgeauth.geo.CoverOptions.finestWithin(maxCells).merged());
                    System.out.println(io.edgeauth.broker.http.CoverAnswer.of(cover).encode()); // the API's field names
                    return 0;
                } catch (IllegalArgumentException e) {
                    System.err.println("edgeauth: " + e.getMessage());
                    return 2;
                }
            }
        }
    }

    /** Admin credential recovery (offline: writes to the data directory). */
    @Command(name = "admin", description = "Admin credential.", subcommands = Admin.Reset.class)
    static final class Admin {
        @Command(name = "reset-credential", description = {"Create a new admin credential while the broker is stopped"
                + " (start it again to use it); refused while a broker holds the data directory. Audited into audit.file.",
                "Exit codes: 0 reset, 1 refused (a broker holds the data directory), 2 bad config or no data directory."})
        static final class Reset implements Callable<Integer> {
            @Option(names = {"-c", "--config"}, description = "the broker's config file: the credential is written to its dataDir")
            Path config;

            @Override
            public Integer call() {
                return CredentialReset.run(config, System.out, System.err);
            }
        }
    }
}
