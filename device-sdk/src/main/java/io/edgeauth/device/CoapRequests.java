package io.edgeauth.device;

import io.edgeauth.device.internal.AceErrors;
import io.edgeauth.device.internal.SessionRenewal;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.scandium.dtls.DtlsHandshakeTimeoutException;

/**
 * A {@link DeviceCoapClient}'s requests: each one's answer becomes its future (an error as a
 * {@link CoapRequestException}), and once {@link #close() closed} every request, sent or not, fails with an
 * {@link IllegalStateException}: Californium leaves a request on a destroyed endpoint pending for ever. Thread-safe.
 */
final class CoapRequests {
    private static final int MAX_DIAGNOSTIC = 256;

    private final CoapClient client;
    private final SessionRenewal renewal;
    private final String deviceId;
    /** Requests sent and not answered yet. */
    private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
    /** Command observations not ended yet. */
    private final Set<CommandObservation> observations = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    CoapRequests(CoapClient client, SessionRenewal renewal, String deviceId) {
        this.client = client;
        this.renewal = renewal;
        this.deviceId = deviceId;
    }

    boolean closed() {
        return closed;
    }

    /** From now on every request fails at once. */
    void close() {
        closed = true;
    }

    /** Fails the requests still waiting and ends the observations (after the endpoint is gone, no answer can come). */
    void failPending() {
        for (CompletableFuture<Void> f : pending) {
            f.completeExceptionally(closedException());
        }
        for (CommandObservation o : observations) {
            o.clientClosed(closedException());
        }
    }

    /** Starts {@code observation}, which {@link #failPending()} ends if it has not ended by then. */
    CompletableFuture<DeviceCoapClient.Observation> observe(CommandObservation observation) {
        observations.add(observation);
        observation.ended().whenComplete((v, e) -> observations.remove(observation));
        if (closed) { // closed since the caller's check: failPending may have run before the add
            observation.clientClosed(closedException());
        }
        return observation.start();
    }

    <T> CompletableFuture<T> closedFailure() {
        return CompletableFuture.failedFuture(closedException());
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("device " + deviceId + ": the CoAP client is closed");
    }

    CompletableFuture<Void> send(Request request) {
        if (closed) {
            return closedFailure();
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        pending.add(f);
        f.whenComplete((v, e) -> pending.remove(f));
        if (closed) { // closed since the check: failPending may have run before the add
            f.completeExceptionally(closedException());
            return f;
        }
        renewal.watch(request);
        client.advanced(new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                if (response.isSuccess()) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error(response));
                }
            }

            @Override
            public void onError() {
                // a renewed session's handshake that went unanswered is as much a timeout as the request's own
                boolean timedOut = request.isTimedOut() || request.getSendError() instanceof DtlsHandshakeTimeoutException;
                if (timedOut) {
                    renewal.renew(); // with renewSessionAfterUnanswered(0), or a renewal that went unanswered too
                }
                String code = timedOut ? "timeout" : request.isRejected() ? "rejected" : "failed";
                Throwable cause = request.getSendError();
                f.completeExceptionally(new CoapRequestException(code, null, cause == null ? null : cause.toString(),
                        null, cause));
            }
        }, request);
        return f;
    }

    /** The error answer: the broker's ACE error map (application/ace+cbor) decoded, any other payload as text. */
    static CoapRequestException error(CoapResponse response) {
        CoAP.ResponseCode code = response.getCode();
        AceErrors.AceError ace = response.getOptions().getContentFormat() == MediaTypeRegistry.APPLICATION_ACE_CBOR
                ? AceErrors.decode(response.getPayload()) : null;
        String text = ace != null ? ace.description() : response.getResponseText();
        Long maxAge = response.getOptions().hasMaxAge() ? response.getOptions().getMaxAge() : null;
        return new CoapRequestException(code.codeClass + "." + String.format("%02d", code.codeDetail),
                ace == null ? null : TokenRequestException.clean(ace.error()),
                TokenRequestException.clean(text == null || text.length() <= MAX_DIAGNOSTIC
                        ? text : text.substring(0, MAX_DIAGNOSTIC)), maxAge, null);
    }
}
