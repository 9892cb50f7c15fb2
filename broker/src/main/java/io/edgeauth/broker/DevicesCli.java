package io.edgeauth.broker;

import io.edgeauth.broker.provisioning.BulkImportClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code devices import FILE}: bulk registration, {@code devices list}: every record as NDJSON, through a running
 * broker's admin API.
 */
@Command(name = "devices", description = "Device registry.", subcommands = {DevicesCli.Import.class,
        DevicesCli.ListDevices.class})
final class DevicesCli {
    static final String URL_HELP = "broker URL (default: env EDGEAUTH_PUBLIC_URL, else http://<env EDGEAUTH_HTTP_HOST,"
            + " else localhost>:<env EDGEAUTH_HTTP_PORT, else 8080>, as the broker started with the same environment serves)";

    /**
     * The URL given, else the one a broker started with the same environment serves: the README's tour sets
     * EDGEAUTH_HTTP_PORT for the broker and then ran `keys rotate` against port 8080.
     */
    static String brokerUrl(String given) {
        if (given != null && !given.isBlank()) {
            return given;
        }
        String port = System.getenv("EDGEAUTH_HTTP_PORT");
        String host = System.getenv("EDGEAUTH_HTTP_HOST");
        boolean anyAddress = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::");
        String at = anyAddress ? "localhost" : host.contains(":") ? "[" + host.trim() + "]" : host.trim();
        return "http://" + at + ":" + (port == null || port.isBlank() ? "8080" : port.trim());
    }

    /**
     * The broker's admin API as every command that sends the admin credential reaches it: its URL (checked by
     * {@link AdminUrls}) and the credential.
     */
    static final class AdminConnection {
        @Option(names = "--url", defaultValue = "${env:EDGEAUTH_PUBLIC_URL}", description = URL_HELP)
        String url;
        @Option(names = "--admin-credential", description = "admin bearer credential; prefer env EDGEAUTH_ADMIN (an"
                + " argument is visible to every local user in ps)", defaultValue = "${env:EDGEAUTH_ADMIN}")
        String credential;
        @Option(names = AdminUrls.INSECURE_HTTP, description = "allow a plain http --url to a host that is not this"
                + " machine (the credential then crosses the network in clear); without it such a URL is refused")
        boolean insecureHttp;

        /** The URL resolved; false after saying on stderr why the credential is not sent (missing, or the URL). */
        boolean ready() {
            url = brokerUrl(url);
            if (credential == null || credential.isBlank()) {
                System.err.println("edgeauth: the admin credential is needed: env EDGEAUTH_ADMIN or --admin-credential");
                return false;
            }
            String refusal = AdminUrls.refusal(url, insecureHttp);
            if (refusal != null) {
                System.err.println(refusal);
                return false;
            }
            return true;
        }
    }

    @Command(name = "import", description = "Import NDJSON device records (one {id, tenant?, jwk|x5tS256|ethAddress|"
            + "enrollmentGroup, region?, ratePlan?, owner?} per line); prints one result line per record and a summary.")
    static final class Import implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "NDJSON file")
        Path file;
        @Mixin
        AdminConnection admin;

        /** Exit codes: 0 every record imported, 1 some refused (see their lines), 2 the import failed. */
        @Override
        public Integer call() throws Exception {
            if (!admin.ready()) {
                return 2;
            }
            String url = admin.url;
            String credential = admin.credential;
            if (!Files.isReadable(file)) {
                System.err.println("edgeauth: cannot read " + file.toAbsolutePath());
                return 2;
            }
            if (!Files.isRegularFile(file)) { // a directory uploads as an empty body: "all imported", exit 0
                System.err.println("edgeauth: " + file.toAbsolutePath() + " is not a regular file"
                        + (Files.isDirectory(file) ? " (a directory)" : "") + ": name the NDJSON file to import");
                return 2;
            }
            Progress progress = new Progress(file);
            Runtime.getRuntime().addShutdownHook(progress.hook);
            try (BulkImportClient client = new BulkImportClient()) {
                BulkImportClient.Summary s = client.importFile(URI.create(url), credential, file, progress::result);
                if (s.status() != 200) {
                    System.err.println("edgeauth: import refused (HTTP " + s.status() + "): " + reason(s.error()));
                    return 2;
                }
                if (s.summary() == null) {
                    System.err.println("edgeauth: the broker ended the import early (its last line says why); lines without a result"
                            + " were not imported: replay the file (it is idempotent)");
                    return 2;
                }
                // the broker's own last line, so the output is the same NDJSON the admin API answers
                System.out.println(new io.vertx.core.json.JsonObject().put("summary", s.summary()).encode());
                return s.anyRefused() ? 1 : 0;
            } catch (Exception e) {
                // no HTTP status came back (a status is handled above): a connection closed without an answer is most
                // often a --url naming another port (MQTT's 1883); a malformed URL says so itself
                boolean noAnswer = !(e instanceof IllegalArgumentException);
                System.err.println("edgeauth: import failed: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage()) + (noAnswer ? " (no HTTP answer from " + url + ": is it the broker's HTTP URL?)" : ""));
                return 2;
            } finally {
                progress.finished();
            }
        }
    }

    /**
     * The result lines printed so far, and a shutdown hook that, when the import is interrupted (Ctrl-C), says on
     * stderr how far its results went and that a replay of the file is safe: the broker commits the batches it had
     * read before it saw the connection close, which the output never lists (tour Z, Z6).
     */
    static final class Progress {
        private final Path file;
        private volatile long lastLine;
        private volatile long printed;
        private volatile boolean finished;
        private boolean reported;
        final Thread hook = new Thread(this::interrupted, "edgeauth-import-interrupted");

        Progress(Path file) {
            this.file = file;
        }

        /** Prints a result line, unless the interruption was already reported (then its count stays true). */
        synchronized void result(String line) {
            if (reported) {
                return; // shutdown hooks run beside the import's thread: nothing may follow the count we gave
            }
            System.out.println(line);
            printed++;
            if (line.startsWith("{\"line\":")) { // the broker's result lines start with their line number
                int end = 8;
                while (end < line.length() && Character.isDigit(line.charAt(end))) {
                    end++;
                }
                lastLine = end > 8 ? Long.parseLong(line.substring(8, end)) : lastLine;
            }
        }

        void finished() {
            finished = true;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, and says nothing: the import ended
            }
        }

        private synchronized void interrupted() {
            if (finished) {
                return;
            }
            reported = true;
            System.out.flush();
            System.err.println("edgeauth: import interrupted: " + (printed == 0 ? "no result came back yet"
                    : "results came back up to line " + lastLine + " of " + file + " (" + printed + " printed)")
                    + "; the broker may still have stored lines after it that it had read (up to "
                    + "a few thousand; it reads no further once the connection closes) and lists none of them."
                    + " Replay the whole file to finish: it is idempotent (lines already imported answer unchanged)");
        }
    }

    @Command(name = "list", description = "Print the registered devices as NDJSON, one record a line (as GET"
            + " /admin/devices/{id} answers it), in id order, walking the pages of GET /admin/devices; a device present"
            + " for the whole walk is printed once, whatever is registered or deleted meanwhile.")
    static final class ListDevices implements Callable<Integer> {
        @Option(names = "--tenant", description = "only this tenant's devices")
        String tenant;
        @Option(names = "--owner", description = "only the devices this wallet DID (did:pkh:eip155:...) owns")
        String owner;
        @Option(names = "--after", description = "start after this device id (the last line of an interrupted list)")
        String after;
        @Option(names = "--page-size", defaultValue = "1000", description = "devices a request, 1 to 1000 (default ${DEFAULT-VALUE})")
        int pageSize;
        @Mixin
        AdminConnection admin;

        /**
         * Exit codes: 0 every page listed, 1 the broker refused a page (its reason on stderr), 2 no answer or no
         * credential. After a failure the lines printed are whole records; {@code --after} the last one resumes.
         */
        @Override
        public Integer call() {
            if (!admin.ready()) {
                return 2;
            }
            String url = admin.url;
            String credential = admin.credential;
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofSeconds(10)).build();
            String from = after;
            long printed = 0;
            do {
                java.net.http.HttpResponse<String> r;
                try {
                    r = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url + "/admin/devices?" + query(from)))
                            .timeout(java.time.Duration.ofSeconds(60)).header("authorization", "Bearer " + credential)
                            .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException | IllegalArgumentException e) {
                    System.err.println("edgeauth: listing failed: no answer from " + url + " (" + (e.getMessage() == null
                            ? e.getClass().getSimpleName() : e.getMessage()) + ")" + resume(printed, from));
                    return 2;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    System.err.println("edgeauth: listing interrupted" + resume(printed, from));
                    return 2;
                }
                if (r.statusCode() != 200) {
                    System.err.println("edgeauth: listing refused (HTTP " + r.statusCode() + "): " + reason(r.body())
                            + resume(printed, from));
                    return 1;
                }
                io.vertx.core.json.JsonObject page = new io.vertx.core.json.JsonObject(r.body());
                StringBuilder lines = new StringBuilder();
                for (Object d : page.getJsonArray("devices")) {
                    lines.append(((io.vertx.core.json.JsonObject) d).encode()).append('\n');
                    printed++;
                }
                System.out.print(lines); // a page a write: stdout flushes at each line otherwise
                System.out.flush();
                from = page.getString("next");
            } while (from != null);
            return 0;
        }

        private String query(String from) {
            StringBuilder q = new StringBuilder("limit=").append(pageSize);
            for (String[] p : new String[][] {{"tenant", tenant}, {"owner", owner}, {"after", from}}) {
                if (p[1] != null) {
                    q.append('&').append(p[0]).append('=').append(java.net.URLEncoder.encode(p[1],
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return q.toString();
        }

        private static String resume(long printed, String from) {
            return printed == 0 ? "" : "; " + printed + " devices printed before it, --after " + from + " resumes";
        }
    }

    /** The broker's error_description when the answer is its JSON error, else the answer as it came. */
    static String reason(String body) {
        try {
            io.vertx.core.json.JsonObject error = new io.vertx.core.json.JsonObject(body);
            return error.getString("error_description", body);
        } catch (RuntimeException e) {
            return body;
        }
    }
}
