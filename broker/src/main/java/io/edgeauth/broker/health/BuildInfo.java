package io.edgeauth.broker.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which build this is: the Maven version and the git commit the jar was built from ({@code build.properties}, filled
 * in by the build; {@code unknown} where it was built without git). Every build before 2026-12-07 said "edgeauth
 * 0.1.0" alike, so nothing told the nodes of a mixed cluster, or the build that wrote a data directory, apart (tour U,
 * U10). Shown by {@code --version}, the start-up line, {@code edgeauth_build_info} and each node's record in Redis.
 */
public record BuildInfo(String version, String commit) {
    static final String UNKNOWN = "unknown";
    private static final String RESOURCE = "/io/edgeauth/broker/build.properties";
    private static final BuildInfo CURRENT = load();

    /** This jar's build. */
    public static BuildInfo current() {
        return CURRENT;
    }

    /** From the properties the build wrote; a value missing or left unfiltered (a run from an IDE) is unknown. */
    static BuildInfo of(Properties properties) {
        return new BuildInfo(value(properties, "version"), value(properties, "commit"));
    }

    /** {@code 0.1.0-SNAPSHOT (commit 25ddafb1a2b3)}: the version and the commit, as logs and messages name a build. */
    public String describe() {
        return version + " (commit " + commit + ")";
    }

    /** {@code edgeauth_build_info{version,commit} 1}: the usual Prometheus build gauge, to tell nodes apart. */
    public void bindTo(MeterRegistry meters) {
        Gauge.builder("edgeauth.build.info", () -> 1).tag("version", version).tag("commit", commit)
                .description("1, tagged with the version and git commit this broker was built from").register(meters);
    }

    private static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the jar", e);
        }
        return of(properties);
    }

    private static String value(Properties properties, String name) {
        String value = properties.getProperty(name, "").strip();
        return value.isEmpty() || value.contains("${") ? UNKNOWN : value;
    }
}
