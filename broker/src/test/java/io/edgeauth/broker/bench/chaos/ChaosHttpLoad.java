package io.edgeauth.broker.bench.chaos;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The state-changing HTTP load of a chaos round, each kind on its own thread until {@link #stop}:
 * device registrations, token issuance plus revocation by jti, SIWE logins (nonce consumption) and
 * refresh-token rotations. Every acknowledged effect goes into the ledger; failures while the broker is
 * down are expected and only counted.
 */
final class ChaosHttpLoad {
    private final String url;
    private final ChaosLedger ledger;
    private final String round;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong failures = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final Http adminHttp;
    private final Http anonymous;
    private final TokenClient tokens;

    ChaosHttpLoad(String url, String admin, ChaosLedger ledger, String round, DeviceIdentity tokenDevice) {
        this.url = url;
        this.ledger = ledger;
        this.round = round;
        this.adminHttp = new Http(url, admin);
        this.anonymous = new Http(url, null);
        this.tokens = TokenClient.builder().brokerUri(URI.create(url)).identity(tokenDevice).build();
    }

    void start() {
        loop("register", this::registerOne);
        loop("revoke", this::issueAndRevokeOne);
        loop("siwe", this::loginAndRotate);
    }

    /** Stops the threads; returns the number of failed (unacknowledged) operations. */
    long stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
        return failures.get();
    }

    private void loop(String name, ThrowingRunnable op) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                try {
                    op.run();
                } catch (Exception | AssertionError e) {
                    failures.incrementAndGet();
                    pause();
                }
            }
        }, "chaos-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void registerOne() {
        String id = "chaos-" + round + "-" + System.nanoTime();
        DeviceIdentity identity = DeviceIdentity.generate(id);
        String body = new JsonObject().put("id", id)
                .put("jwk", new JsonObject(identity.publicJwk().toJSONString())).encode();
        if (adminHttp.postJson("/admin/devices", body).statusCode() == 201) {
            ledger.registered.add(id);
        } else {
            failures.incrementAndGet();
        }
    }

    private void issueAndRevokeOne() throws Exception {
        String token = tokens.fetch().get(10, TimeUnit.SECONDS).value();
        String jti = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                java.nio.charset.StandardCharsets.UTF_8)).getString("jti");
        HttpResponse<String> r = adminHttp.postJson("/admin/revocations",
                new JsonObject().put("jti", jti).put("reason", "chaos").encode());
        if (r.statusCode() == 201) {
            ledger.revokedTokens.add(token);
        } else {
            failures.incrementAndGet();
        }
    }

    private void loginAndRotate() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(url);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).statement("Sign in to edgeauth").uri(url + "/login").version("1")
                .chainId(1).nonce(nonce).issuedAt(Instant.now().toString()).build().toMessageString();
        String signature = Wallets.personalSign(text, key);
        HttpResponse<String> login = anonymous.postJson("/siwe/login",
                new JsonObject().put("message", text).put("signature", signature).encode());
        if (login.statusCode() != 200) {
            failures.incrementAndGet();
            return;
        }
        ledger.consumedLogins.add(new ChaosLedger.SignedLogin(text, signature));
        String refresh = new JsonObject(login.body()).getString("refresh_token");
        HttpResponse<String> rotated = anonymous.postForm("/oauth/token",
                Map.of("grant_type", "refresh_token", "refresh_token", refresh));
        if (rotated.statusCode() == 200) {
            ledger.rotatedRefreshTokens.add(refresh);
        } else {
            failures.incrementAndGet();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
