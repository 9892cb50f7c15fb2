package io.edgeauth.device;

import io.edgeauth.device.internal.BusyRetry;
import io.edgeauth.device.internal.SessionRenewal;
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
 * One {@link DeviceCoapClient#observeCommands} observation, kept until it is closed or the broker refuses it for
 * good. Once established it is registered again by itself:
 * <ul>
 *   <li>after a 4.01 (the session it was bound to is gone: the token expired, the session was evicted or replaced,
 *       the broker restarted), with the current token uploaded first; a second 4.01 before a success ends it;</li>
 *   <li>after a registration that went unanswered (the broker restarted or is out of reach), or a 5.xx (5.03: the
 *       broker sheds load), after a jittered backoff (the 5.03's Max-Age, else exponential from 0.5 s up to 30 s)
 *       and, over DTLS, a new handshake, as long as it takes.</li>
 * </ul>
 * The first registration is retried only on 5.03 ({@code busyRetries} times); its other failures fail
 * {@link #start()}. Any other end (4.03, a refused token) completes {@link #ended()} exceptionally. Thread-safe.
 */
final class CommandObservation implements DeviceCoapClient.Observation {
    private static final Logger LOG = LoggerFactory.getLogger(CommandObservation.class);

    private final CoapClient client;
    private final String uri;
    private final String deviceId;
    private final CoapHandler handler;
    private final Supplier<CompletableFuture<Void>> reupload;
    private final SessionRenewal renewal;
    private final Function<CoapResponse, CoapRequestException> error;
    private final int busyRetries;
    private final CompletableFuture<DeviceCoapClient.Observation> first = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile CoapObserveRelation relation;
    /** Failed registrations since the last success; guarded by this. */
    private int failures;
    /** Whether a 4.01 was answered by an upload since the last success; guarded by this. */
    private boolean reuploaded;

    /**
     * @param handler      what each successful answer and notification is handed to
     * @param reupload     uploads the current token again (fails when the client has none)
     * @param renewal      watches the registrations for silence and renews the DTLS session (nothing for plain CoAP)
     * @param busyRetries  how often a 5.03 answering the first registration is retried
     */
    CommandObservation(CoapClient client, String uri, String deviceId, CoapHandler handler,
                       Supplier<CompletableFuture<Void>> reupload, SessionRenewal renewal,
                       Function<CoapResponse, CoapRequestException> error, int busyRetries) {
        this.client = client;
        this.uri = uri;
        this.deviceId = deviceId;
        this.handler = handler;
        this.reupload = reupload;
        this.renewal = renewal;
        this.error = error;
        this.busyRetries = busyRetries;
    }

    /** Registers; completes with this observation on the first successful answer, fails on a refusal. */
    CompletableFuture<DeviceCoapClient.Observation> start() {
        register();
        return first;
    }

    private void register() {
        if (ended.isDone()) { // closed while a 4.01's upload or a backoff ran
            return;
        }
        Request r = Request.newGet();
        r.setURI(uri);
        r.setObserve();
        renewal.watch(r);
        relation = client.observe(r, new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                if (response.isSuccess()) {
                    registered();
                    handler.onLoad(response);
                } else if (!ended.isDone()) {
                    refused(error.apply(response));
                }
            }

            @Override
            public void onError() {
                if (!ended.isDone()) {
                    unanswered();
                }
            }
        });
    }

    private void registered() {
        int failed;
        synchronized (this) {
            failed = failures;
            failures = 0;
            reuploaded = false;
        }
        if (failed > 0 && first.isDone()) {
            LOG.info("device {}: command observation registered again after {} failed attempt(s)", deviceId, failed);
        }
        first.complete(this);
    }

    private boolean established() {
        return first.isDone() && !first.isCompletedExceptionally();
    }

    private void refused(CoapRequestException why) {
        boolean up = established();
        if (up && "4.01".equals(why.code()) && firstReupload()) {
            LOG.debug("device {}: observation refused with 4.01, uploading the token again", deviceId);
            reupload.get().whenComplete((v, e) -> {
                if (e != null) {
                    end(why);
                } else if (!ended.isDone()) {
                    register();
                }
            });
        } else if ("5.03".equals(why.code()) && (up || attempts() < busyRetries)) {
            retryLater(why, why.maxAgeSeconds() == null ? 0 : why.maxAgeSeconds());
        } else if (up && why.code().startsWith("5.")) {
            retryLater(why, 0);
        } else {
            end(why);
        }
    }

    private void unanswered() {
        renewal.renew(); // an unanswered request over DTLS may mean the broker lost the session (restart)
        CoapRequestException failed = new CoapRequestException("failed", "observe of " + uri + " got no answer", null);
        if (established()) {
            retryLater(failed, 0);
        } else {
            end(failed);
        }
    }

    private synchronized boolean firstReupload() {
        boolean firstTime = !reuploaded;
        reuploaded = true;
        return firstTime;
    }

    private synchronized int attempts() {
        return failures;
    }

    private void retryLater(CoapRequestException why, long hintSeconds) {
        int failed;
        synchronized (this) {
            failed = failures++;
        }
        long delay = BusyRetry.backoffMillis(hintSeconds, failed);
        LOG.info("device {}: command observation lost ({}), registering again in {} ms", deviceId, why.getMessage(), delay);
        CompletableFuture.runAsync(() -> {
            if (!ended.isDone()) {
                register();
            }
        }, io.edgeauth.device.internal.SdkThreads.after(delay));
    }

    /**
     * The client was closed: the observation ends with {@code why}, a registration still waiting fails with it (the
     * destroyed endpoint would leave it pending for ever), and no retry registers again.
     */
    void clientClosed(IllegalStateException why) {
        end(why);
        CoapObserveRelation current = relation;
        if (current != null) {
            current.reactiveCancel(); // forgets the relation locally: no endpoint is left to tell the broker
        }
    }

    private void end(RuntimeException why) {
        first.completeExceptionally(why);
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
