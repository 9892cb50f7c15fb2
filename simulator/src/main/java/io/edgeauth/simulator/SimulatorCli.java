package io.edgeauth.simulator;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code edgeauth-simulator}: {@code run} a fleet (or a shard of it), {@code merge} shard results,
 * render or compare results with {@code report}, and print what the broker must be given to trust the
 * fleet ({@code jwks}, {@code psk-master}, {@code fleet-ca}), {@code import} a fleet in bulk. Exit codes: 0 passed, 1 the run failed its verdict, 2 bad
 * options or files.
 */
@Command(name = "edgeauth-simulator", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Drives fleets of virtual devices through the broker's authentication flows and reports how it went.",
        subcommands = {RunCommand.class, MergeCommand.class, ReportCommand.class, JwksCommand.class, PskMasterCommand.class,
            FleetCaCommand.class, ImportCommand.class})
public final class SimulatorCli implements Runnable {
    /** The run's verdict was not a pass. */
    public static final int FAILED = 1;
    /** Bad options, unreadable or invalid files. */
    public static final int USAGE = 2;

    private final PrintStream out;

    public SimulatorCli(PrintStream out) {
        this.out = out;
    }

    PrintStream out() {
        return out;
    }

    @Override
    public void run() {
        out.println("usage: edgeauth-simulator run|merge|report|jwks|psk-master|fleet-ca|import --help");
    }

    /** A command line for {@code out}: bad parameters print their message and exit 2. */
    public static CommandLine commandLine(PrintStream out) {
        SimulatorCli cli = new SimulatorCli(out);
        CommandLine cl = new CommandLine(cli, new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == RunCommand.class) {
                    return cls.cast(new RunCommand(out));
                }
                if (cls == MergeCommand.class) {
                    return cls.cast(new MergeCommand(out));
                }
                if (cls == ReportCommand.class) {
                    return cls.cast(new ReportCommand(out));
                }
                if (cls == FleetCaCommand.class) {
                    return cls.cast(new FleetCaCommand(out));
                }
                if (cls == JwksCommand.class) {
                    return cls.cast(new JwksCommand(out));
                }
                if (cls == PskMasterCommand.class) {
                    return cls.cast(new PskMasterCommand(out));
                }
                if (cls == ImportCommand.class) {
                    return cls.cast(new ImportCommand(out));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            out.println(ex.getMessage());
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // the JDK's file exceptions carry only the path: name the kind of failure too (NoSuchFileException: /x/y)
            boolean bare = ex instanceof java.io.IOException && ex.getClass() != java.io.IOException.class;
            out.println("error: " + (bare ? ex.getClass().getSimpleName() + ": " : "") + ex.getMessage());
            return ex instanceof IllegalArgumentException || ex instanceof java.io.IOException ? USAGE : FAILED;
        });
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(out, true));
        return cl;
    }

    /** The system property of the common ForkJoinPool's parallelism (read once, when the pool is first used). */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    /**
     * Gives the common pool at least 2 threads unless the command line chose a value. With fewer than 3 cores its
     * parallelism is 1, and then {@code CompletableFuture} runs every async step that names no executor on a new
     * thread; the JDK 17 {@code HttpClient} completes every {@code sendAsync} through such a step, so each token
     * request and admin call of a device started and ended a thread of its own (10,000 threads for 5,000 devices
     * on this 2-core machine). Must run before anything touches {@code CompletableFuture} or the pool.
     */
    static void configureCommonPool() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
    }

    public static void main(String[] args) {
        configureCommonPool();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.exit(commandLine(out).execute(args));
    }

    /** An http(s) URL with a host; else picocli's URISyntaxException text (Illegal character in scheme name ...). */
    public static final class HttpUrlConverter implements CommandLine.ITypeConverter<java.net.URI> {
        @Override
        public java.net.URI convert(String value) {
            try {
                java.net.URI uri = new java.net.URI(value.trim());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return uri;
                }
            } catch (java.net.URISyntaxException e) {
                // said below
            }
            throw new CommandLine.TypeConversionException("must be an http(s) URL such as http://host:8080, got '" + value + "'");
        }
    }

    /** Durations as {@code 500ms}, {@code 90s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT1M}). */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            Matcher m = SHORT.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (e.g. 500ms, 30s, 5m, PT1M)");
            }
        }
    }
}
