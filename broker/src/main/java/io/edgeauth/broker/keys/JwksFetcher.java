package io.edgeauth.broker.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Fetches a JWKS document. Used only from the background refresh, never during verification. */
@FunctionalInterface
public interface JwksFetcher {
    /** Largest JWKS we read; anything bigger is refused (a JWKS is a few KiB). */
    int MAX_JWKS_BYTES = 256 * 1024;

    String fetch(URI uri) throws IOException, InterruptedException;

    /** JDK HttpClient, https only (plain http on localhost), no redirects (a redirect could point anywhere), size-capped body. */
    static JwksFetcher http(Duration timeout) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return uri -> {
            if (!TrustedIssuerSettings.fetchable(uri)) {
                throw new IOException("JWKS URI must be https (plain http only on localhost)");
            }
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Accept", "application/json").GET().build();
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new IOException("JWKS fetch returned HTTP " + resp.statusCode());
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (out.size() + n > MAX_JWKS_BYTES) {
                        throw new IOException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
                    }
                    out.write(buf, 0, n);
                }
                return out.toString(StandardCharsets.UTF_8);
            }
        };
    }
}
