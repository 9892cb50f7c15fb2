package io.edgeauth.device;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link DeviceCoapClient#observeCommands} observation, kept through the broker's 4.01: a broker that ends the
 * relation because the session it was bound to is gone (the token expired, the session was evicted or replaced)
 * is sent the current token again and the observation registered anew, once per 4.01. Any other end
 * (4.03, a refused token, a failed registration) completes {@link #ended()} exceptionally. Thread-safe.
 */
final class CommandObservation implements DeviceCoapClient.Observation {
    private static final Logger LOG = LoggerFactory.getLogger(CommandObservation.class);

    private final CoapClient client;
    private final String uri;
    private final String deviceId;
    private final CoapHandler handler;
    private final Supplier<CompletableFuture<Void>> reupload;
    private final Function<CoapResponse, CoapRequestException> error;
    private final CompletableFuture<DeviceCoapClient.Observation> first = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile CoapObserveRelation relation;

    /**
     * @param handler  what each successful answer and notification is handed to
     * @param reupload uploads the current token again (fails when the client has none)
     */
    CommandObservation(CoapClient client, String uri, String deviceId, CoapHandler handler,
                       Supplier<CompletableFuture<Void>> reupload, Function<CoapResponse, CoapRequestException> error) {
        this.client = client;
        this.uri = uri;
        this.deviceId = deviceId;
        this.handler = handler;
        this.reupload = reupload;
        this.error = error;
    }

    /** Registers; completes with this observation on the first successful answer, fails on a refusal. */
    CompletableFuture<DeviceCoapClient.Observation> start() {
        register(false);
        return first;
    }

    private void register(boolean again) {
        Request r = Request.newGet();
        r.setURI(uri);
        r.setObserve();
        boolean[] established = {false};
        relation = client.observe(r, new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                if (response.isSuccess()) {
                    established[0] = true;
                    first.complete(CommandObservation.this);
                    handler.onLoad(response);
                    return;
                }
                CoapRequestException refused = error.apply(response);
                if (established[0] && "4.01".equals(refused.code()) && !ended.isDone()) {
                    LOG.debug("device {}: observation ended with 4.01, uploading the token again", deviceId);
                    reupload.get().whenComplete((v, e) -> {
                        if (e != null) {
                            end(refused);
                        } else if (!ended.isDone()) {
                            register(true);
                        }
                    });
                    return;
                }
                if (!again) {
                    first.completeExceptionally(refused);
                }
                end(refused);
            }

            @Override
            public void onError() {
                CoapRequestException failed = new CoapRequestException("failed", "observe of " + uri + " failed", null);
                first.completeExceptionally(failed);
                end(failed);
            }
        });
    }

    private void end(CoapRequestException why) {
        if (ended.completeExceptionally(why)) {
            LOG.info("device {}: command observation ended: {}", deviceId, why.getMessage());
        }
    }

    @Override
    public CompletableFuture<Void> ended() {
        return ended;
    }

    @Override
    public void close() {
        ended.complete(null);
        CoapObserveRelation current = relation;
        if (current != null) {
            current.proactiveCancel();
        }
    }
}
