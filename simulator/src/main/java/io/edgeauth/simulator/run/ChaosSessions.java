package io.edgeauth.simulator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.simulator.mqtt.MqttSession;
import io.edgeauth.simulator.report.RunRecorder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chains of the chaos devices: each does what an attacker or a broken device would, and ends with
 * an outcome ({@code stage:reason}) that must equal its kind's expected refusal. Being accepted is the
 * outcome {@code accepted}; any other refusal is a wrong outcome too. Both fail the run.
 */
final class ChaosSessions {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The outcome of an expired device the run's end found still waiting out its token (the wait can outlast a run). */
    static final String STILL_WAITING = "still_waiting";
    private final SessionRunner runner;
    private final RunRecorder recorder;
    /** Expired devices waiting out their token, by index, with their tally. */
    private final ConcurrentHashMap<Long, String> waiting = new ConcurrentHashMap<>();

    ChaosSessions(SessionRunner runner) {
        this.runner = runner;
        this.recorder = runner.recorder();
    }

    /**
     * Runs chaos device {@code index} of {@code kind}; on CoAP it presents its token at {@code /authz-info} and
     * is tallied as {@code coap-<kind>} (its expected refusal differs from the MQTT one). Completes with its outcome.
     */
    CompletableFuture<String> run(ChaosKind kind, long index, boolean onCoap) {
        RunSettings s = runner.settings();
        String expected = onCoap ? CoapSessionRunner.expected(kind) : kind.expected(s.mqtt5());
        String tally = onCoap ? "coap-" + kind.label() : kind.label();
        recorder.chaosStarted(tally, expected);
        return CompletableFuture.supplyAsync(() -> s.fleet().identity(index), runner.work())
                .thenCompose(id -> attempt(kind, index, id, onCoap, tally))
                .handle((accepted, e) -> {
                    String outcome = e == null ? "accepted" : StageFailure.of("session", e).outcome();
                    if (outcome.equals(STILL_WAITING)) { // counted by endWaits
                        return outcome;
                    }
                    recorder.chaosEnded(tally, outcome, outcome.equals(expected), s.fleet().deviceId(index),
                            e == null ? "the broker let it in (expected " + expected + ")" : StageFailure.detailOf(e));
                    return outcome;
                });
    }

    /** Completes if the broker let the device in (wrong); fails with the refusal otherwise. */
    private CompletableFuture<Void> attempt(ChaosKind kind, long index, DeviceIdentity id, boolean onCoap, String tally) {
        RunSettings s = runner.settings();
        return switch (kind) {
            case EXPIRED -> runner.onboardAndToken(id, s.tenant()).thenCompose(t -> {
                Instant when = t.expiresAt().plus(s.expiredWait());
                waiting.put(index, tally);
                return runner.after(Duration.between(Instant.now(), when)).thenCompose(v -> waiting.remove(index) == null
                        ? CompletableFuture.failedFuture(new StageFailure(STILL_WAITING)) // too late: counted at the run's end
                        : connectOnce(index, id.deviceId(), t, onCoap));
            });
            case REVOKED -> runner.onboardAndToken(id, s.tenant())
                    .thenCompose(t -> runner.admin().revokeSubject(id.deviceId(), "simulator chaos device")
                            .thenCompose(v -> connectOnce(index, id.deviceId(), t, onCoap)));
            case WRONG_TENANT -> runner.onboardAndTokenIn(id, s.otherTenant())
                    .thenCompose(t -> runner.admin().put(id, s.tenant()).thenCompose(v -> connectOnce(index, id.deviceId(), t, onCoap)));
            case WRONG_REGION -> {
                java.util.List<String> region = java.util.List.of(s.chaos().foreignCell());
                yield runner.admin().put(id, s.tenant(), region)
                        .thenCompose(v -> runner.token(id, region))
                        .thenCompose(t -> connectOnce(index, id.deviceId(), t, onCoap));
            }
            case FORGED -> runner.onboardAndToken(id, s.tenant())
                    .thenCompose(t -> connectOnce(index, id.deviceId(), forge(t), onCoap));
            case REPLAYED -> runner.onboardAndToken(id, s.tenant()).thenCompose(t -> replay(id));
        };
    }

    /**
     * The run ends: each expired device still waiting out its token ends as {@code chaos:<tally>:still_waiting} (it was
     * read as "refused as expected 0 of N" and an open session). Returns how many.
     */
    long endWaits() {
        long n = 0;
        for (Long index : waiting.keySet()) {
            String tally = waiting.remove(index);
            if (tally != null) {
                recorder.chaosEnded(tally, STILL_WAITING, false, runner.settings().fleet().deviceId(index),
                        "still waiting out its token when the run ended: --max-duration must cover the token's lifetime plus --expired-wait");
                n++;
            }
        }
        return n;
    }

    private CompletableFuture<Void> connectOnce(long index, String deviceId, AccessToken token, boolean onCoap) {
        if (onCoap) {
            return runner.coap().presentOnce(index, token.bytes(), token.format());
        }
        return connectOnce(index, deviceId, token.value(), false);
    }

    /** Presents a token as text (a JWT): MQTT CONNECT password, or CoAP upload as a JWT. */
    private CompletableFuture<Void> connectOnce(long index, String deviceId, String token, boolean onCoap) {
        byte[] bytes = token.getBytes(StandardCharsets.US_ASCII);
        if (onCoap) {
            return runner.coap().presentOnce(index, bytes, io.edgeauth.device.TokenFormat.JWT);
        }
        return runner.connect(deviceId, bytes).thenCompose(MqttSession::disconnect);
    }

    /**
     * The token with its claims widened ({@code scope} grants every topic) and its signature kept, as a
     * device that edits its own token would send it.
     */
    static String forge(AccessToken token) {
        String[] parts = token.value().split("\\.");
        try {
            ObjectNode claims = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            claims.put("scope", "pubsub:#");
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims));
            return parts[0] + "." + payload + "." + parts[2];
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the token to forge is not a JWT", e);
        }
    }

    /** Sends one client assertion twice; completes if the second is accepted, fails with its refusal. */
    private CompletableFuture<Void> replay(DeviceIdentity id) {
        ClientAssertions assertions = runner.assertions(id);
        URI endpoint = URI.create(assertions.audience());
        String assertion = assertions.create();
        String form = "grant_type=client_credentials&client_assertion_type="
                + URLEncoder.encode(ClientAssertions.ASSERTION_TYPE, StandardCharsets.UTF_8)
                + "&client_assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return runner.http().sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenCompose(first -> {
                    if (first.statusCode() != 200) {
                        throw new StageFailure("token:first_use_refused_" + first.statusCode());
                    }
                    return runner.http().sendAsync(request, HttpResponse.BodyHandlers.ofString());
                })
                .thenAccept(second -> {
                    if (second.statusCode() == 200) {
                        return;
                    }
                    throw new StageFailure("token:" + refusal(second.body()));
                });
    }

    private static String refusal(String body) {
        try {
            JsonNode n = JSON.readTree(body.length() > 4096 ? body.substring(0, 4096) : body);
            String error = n.path("error").asText("unknown");
            return n.path("error_description").asText("").contains("replayed") ? "replayed" : error;
        } catch (IOException e) {
            return "not_json";
        }
    }
}
