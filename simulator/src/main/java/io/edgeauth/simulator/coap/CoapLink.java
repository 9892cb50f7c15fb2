package io.edgeauth.simulator.coap;

import io.edgeauth.device.TokenFormat;
import io.edgeauth.device.internal.SessionRenewal;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.util.Bytes;
import org.eclipse.californium.scandium.DTLSConnector;

/**
 * One virtual device's CoAP session while it is active: a Californium endpoint over its own client socket
 * (a DTLS connector acting as this device's PSK identity, or plain UDP), on the run's shared executors. It
 * exists from the session's first request to its end; an idle device has none. Requests are asynchronous;
 * the DTLS handshake runs on the first one and its duration is reported apart ({@link #handshakeNanos()}).
 * Thread-safe.
 */
public final class CoapLink {
    /** How long a DTLS close_notify gets to leave before the socket closes. */
    private static final long CLOSE_GRACE_MILLIS = 200;

    private final CoapEndpoint endpoint;
    private final DTLSConnector dtls;
    private final SessionRenewal renewal;
    private final InetSocketAddress server;
    private final String base;
    private final ScheduledExecutorService scheduler;
    private volatile long handshakeNanos = -1;
    /** When a request last started a handshake. */
    private volatile long connectingAt;
    /** The established session's handshake timestamp and session id, to tell a new handshake and a resumption. */
    private volatile Long handshakeTimestamp;
    private volatile Bytes sessionId;
    private volatile RenewalListener renewals = (resumed, nanos) -> { };
    /** Requests not yet answered, cancelled at the close. */
    private final Set<Request> inFlight = ConcurrentHashMap.newKeySet();

    /** Hears of each handshake after the first (the session renewed on silence, as on the SDK). */
    @FunctionalInterface
    public interface RenewalListener {
        /**
         * @param resumed whether the broker still knew the session (an abbreviated handshake) or not (a full one)
         * @param nanos   from the retransmission that started it to the session established
         */
        void renewed(boolean resumed, long nanos);
    }

    CoapLink(CoapEndpoint endpoint, DTLSConnector dtls, SessionRenewal renewal, InetSocketAddress server, String base,
             ScheduledExecutorService scheduler) {
        this.endpoint = endpoint;
        this.dtls = dtls;
        this.renewal = renewal;
        this.server = server;
        this.base = base;
        this.scheduler = scheduler;
    }

    /** The local address this session's socket is bound to. */
    public InetSocketAddress localAddress() {
        return endpoint.getAddress();
    }

    /** The DTLS handshake's duration (first request sent to the connection established), or -1 if none ran. */
    public long handshakeNanos() {
        return handshakeNanos;
    }

    /** Where to report the handshakes after the first. */
    public void onRenewal(RenewalListener listener) {
        this.renewals = listener;
    }

    /** {@code POST /token} with a client assertion; completes with the access token's bytes. */
    public CompletableFuture<byte[]> token(String assertion, TokenFormat format) {
        Request r = Request.newPost();
        r.setPayload(AceMessages.tokenRequest(assertion, format.parameter()));
        r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_ACE_CBOR);
        return send(r, "token").thenApply(response -> AceMessages.accessToken(response.getPayload()));
    }

    /** {@code POST /authz-info}: a CWT raw (application/cwt), a JWT as text. Completes on 2.01. */
    public CompletableFuture<Void> uploadToken(byte[] token, TokenFormat format) {
        Request r = Request.newPost();
        r.setPayload(token);
        r.getOptions().setContentFormat(format.cbor() ? MediaTypeRegistry.APPLICATION_CWT : MediaTypeRegistry.TEXT_PLAIN);
        return send(r, "authz-info").thenApply(response -> null);
    }

    /** Confirmable {@code POST /d/{id}/up/{path}}; completes on 2.04. */
    public CompletableFuture<Void> telemetry(String deviceId, String path, byte[] payload) {
        return telemetry(deviceId, path, payload, () -> { });
    }

    /**
     * As above; {@code sent} runs once the POST has left the device: when the connector reports its first
     * transmission sent (Californium's {@code onSent}; not again for a retransmission), or at the latest when its
     * answer or ACK arrives (the connector's report runs on another thread and may come after it), before the returned
     * future completes. A POST that never leaves the device (its DTLS handshake fails, the connector refuses it:
     * {@code send_error}) never runs it. At most once per POST, on a connector or executor thread.
     */
    public CompletableFuture<Void> telemetry(String deviceId, String path, byte[] payload, Runnable sent) {
        Request r = Request.newPost();
        r.setPayload(payload);
        r.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        AtomicBoolean reported = new AtomicBoolean();
        Runnable once = () -> {
            if (reported.compareAndSet(false, true)) {
                sent.run();
            }
        };
        // added before send's observer, so an answer runs it before the future completes
        r.addMessageObserver(new MessageObserverAdapter() {
            @Override
            public void onSent(boolean retransmission) {
                once.run();
            }

            @Override
            public void onResponse(Response response) {
                once.run();
            }

            @Override
            public void onAcknowledgement() {
                once.run();
            }
        });
        return send(r, "d/" + deviceId + "/up/" + path).thenApply(response -> null);
    }

    /**
     * Registers an Observe on {@code /d/{id}/down}; completes with the registration once the broker accepted it.
     * Every later notification of the relation (a command, or the 4.01 that ends it when the session is dropped)
     * goes to {@code notifications}, on the shared executor.
     */
    public CompletableFuture<Request> observeCommands(String deviceId, Consumer<Response> notifications) {
        Request r = Request.newGet();
        r.setObserve();
        // notifications after the first response reach the endpoint's listeners, not the request's observers;
        // this endpoint serves one device, whose only observation this is
        endpoint.addNotificationListener((request, response) -> {
            if (java.util.Arrays.equals(request.getTokenBytes(), r.getTokenBytes())) {
                notifications.accept(response);
            }
        });
        return send(r, "d/" + deviceId + "/down").thenApply(response -> r);
    }

    /** {@code GET /d/{id}/down} without Observe: completes on 2.05 while the session is authorized (a heartbeat). */
    public CompletableFuture<Void> check(String deviceId) {
        return send(Request.newGet(), "d/" + deviceId + "/down").thenApply(response -> null);
    }

    /** Cancels an observation proactively (a GET with Observe = 1 and the registration's token). */
    public CompletableFuture<Void> cancelObserve(Request registration) {
        Request r = Request.newGet();
        r.setToken(registration.getToken());
        r.setObserveCancel();
        return send(r, registration.getOptions().getUriPathString()).thenApply(response -> null);
    }

    /**
     * Ends the session: with {@code notifyServer} a DTLS close_notify tells the broker to drop the connection;
     * without it the socket just closes (the broker keeps the DTLS connection until it evicts it). Either way
     * the socket and the endpoint are released shortly after.
     */
    public void close(boolean notifyServer) {
        // a retransmission still pending after the close_notify would start a new handshake on the closed session
        inFlight.forEach(Request::cancel);
        if (dtls != null && notifyServer) {
            dtls.close(server);
            scheduler.schedule(endpoint::destroy, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            endpoint.destroy();
        }
    }

    private CompletableFuture<Response> send(Request r, String path) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        r.setURI(base + "/" + path);
        long sent = System.nanoTime();
        renewal.watch(r);
        r.addMessageObserver(new MessageObserverAdapter() {
            @Override
            public void onConnecting() {
                connectingAt = System.nanoTime();
            }

            @Override
            public void onContextEstablished(EndpointContext context) {
                established(context, sent);
            }

            @Override
            public void onResponse(Response response) {
                if (response.isSuccess()) {
                    result.complete(response);
                } else {
                    long maxAge = response.getOptions().hasMaxAge() ? response.getOptions().getMaxAge() : 0;
                    result.completeExceptionally(new CoapRefusedException(response.getCode().text,
                            AceMessages.reason(response.getPayload()), maxAge));
                }
            }

            @Override
            public void onReject() {
                result.completeExceptionally(new CoapTransportException("rejected", null));
            }

            @Override
            public void onTimeout() {
                result.completeExceptionally(new CoapTransportException("timeout", null));
            }

            @Override
            public void onCancel() {
                result.completeExceptionally(new CoapTransportException("cancelled", null));
            }

            @Override
            public void onSendError(Throwable error) {
                result.completeExceptionally(new CoapTransportException("send_error", error));
            }
        });
        inFlight.add(r);
        result.whenComplete((response, failure) -> inFlight.remove(r));
        endpoint.sendRequest(r);
        return result;
    }

    /** Every message sent reports its session; a handshake timestamp not seen before is a new handshake. */
    private synchronized void established(EndpointContext context, long sent) {
        Long at = context.get(DtlsEndpointContext.KEY_HANDSHAKE_TIMESTAMP);
        if (at == null || at.equals(handshakeTimestamp)) {
            return;
        }
        Bytes id = context.get(DtlsEndpointContext.KEY_SESSION_ID);
        long now = System.nanoTime();
        if (handshakeTimestamp == null) {
            handshakeNanos = now - sent;
        } else {
            renewals.renewed(id != null && id.equals(sessionId), now - connectingAt);
        }
        handshakeTimestamp = at;
        sessionId = id;
    }
}
