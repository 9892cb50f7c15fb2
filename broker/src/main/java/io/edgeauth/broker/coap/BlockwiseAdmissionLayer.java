package io.edgeauth.broker.coap;

import io.edgeauth.broker.refusal.RejectionReason;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.californium.core.coap.BlockOption;
import org.eclipse.californium.core.coap.MessageObserver;
import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.coap.option.StandardOptionRegistry;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.stack.AbstractLayer;
import org.eclipse.californium.core.network.stack.KeyUri;
import org.eclipse.californium.elements.EndpointContext;

/**
 * Admits Block1 uploads (RFC 7959) before Californium's blockwise layer buffers them; sits right below it in the
 * stack ({@link EdgeCoapStackFactory}). Californium allocates a body buffer on an upload's first block, sized to
 * its Size1 or else to MAX_RESOURCE_BODY_SIZE, before any resource sees the request, and has no bound of its own
 * but MAX_ACTIVE_PEERS; a Size1 above 2^31 even makes it throw. So here, before that:
 * <ul>
 * <li>the body limit of the path is set on the request (what {@code /authz-info} and {@code /token} take, the payload
 * limit elsewhere), so Californium's buffer is never larger;</li>
 * <li>a Size1 above that limit (or above 2^31) is refused as the resource would refuse the body: at {@code /authz-info}
 * and {@code /token} 4.00 with the ACE error "oversized" (audited), elsewhere 4.13 with the limit as Size1;</li>
 * <li>an upload to a protected path from a peer without a token session gets 4.01, as its request would;</li>
 * <li>a first block beyond {@link Block1Transfers}' bounds gets 5.03 with Max-Age, a further block of no upload in
 * progress, or of another upload than the one in progress on that path (its Request-Tag, or its token), 4.08.</li>
 * </ul>
 * Answers carry no payload but the ACE errors the resources would send too (a spoofed source must not get more
 * than it sent).
 */
final class BlockwiseAdmissionLayer extends AbstractLayer {
    private final Block1Transfers<KeyUri> transfers;
    private final Predicate<EndpointContext> hasSession;
    private final CoapAudit audit;
    private final int maxPayloadBytes;
    private final int maxTokenBytes;
    private final long retryAfterSeconds;

    /**
     * @param hasSession whether a peer has a token session (uploads to protected paths need one)
     */
    BlockwiseAdmissionLayer(CoapSettings settings, long statusSweepMillis, Predicate<EndpointContext> hasSession,
                            CoapAudit audit) {
        long lifetimeNanos = settings.blockwiseLifetime().toNanos() + TimeUnit.MILLISECONDS.toNanos(statusSweepMillis);
        this.transfers = new Block1Transfers<>(settings.maxBlockTransfers(), settings.maxBlockTransfersPerPeer(),
                lifetimeNanos, System::nanoTime);
        this.hasSession = hasSession;
        this.audit = audit;
        this.maxPayloadBytes = settings.maxPayloadBytes();
        this.maxTokenBytes = settings.maxTokenBytes();
        this.retryAfterSeconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(lifetimeNanos));
    }

    @Override
    public void receiveRequest(Exchange exchange, Request request) {
        BlockOption block1 = request.getOptions().getBlock1();
        if (block1 == null) {
            super.receiveRequest(exchange, request);
            return;
        }
        String tokenPath = tokenPath(request.getOptions().getUriPath());
        // the token limits of AuthzInfoResource and TokenResource (a token request carries an assertion and more)
        int limit = tokenPath == null ? maxPayloadBytes : "/token".equals(tokenPath) ? 2 * maxTokenBytes : maxTokenBytes;
        request.setMaxResourceBodySize(limit);
        Integer size1 = request.getOptions().getSize1();
        if (size1 != null && (size1 < 0 || size1 > limit)) { // negative: an unsigned value above 2^31
            answer(exchange, request, tooLarge(request, tokenPath, limit));
            return;
        }
        if (tokenPath == null && !hasSession.test(request.getSourceContext())) {
            answer(exchange, request, CoapCodes.refusal(RejectionReason.EXPIRED,
                    "no valid token for this peer: POST one to /authz-info", CoapCodes.Where.RESOURCE, 0));
            return;
        }
        KeyUri key = KeyUri.getKey(exchange);
        String requestTag = requestTagOf(request);
        if (block1.getNum() == 0) {
            if (block1.isM() && !transfers.start(key, peerOf(request.getSourceContext()), requestTag,
                    request.getToken())) {
                answer(exchange, request, CoapCodes.uploadsBusy(retryAfterSeconds));
                return;
            }
        } else if (!transfers.proceed(key, requestTag, request.getToken())) {
            // no upload in progress, or another one's (its Request-Tag, or a token of one a restart replaced):
            // Californium would append the block to the upload in progress (tour R, R5)
            answer(exchange, request, CoapCodes.entityIncomplete());
            return;
        } else if (!block1.isM()) {
            transfers.end(key);
        }
        super.receiveRequest(exchange, request);
    }

    @Override
    public void sendResponse(Exchange exchange, Response response) {
        tellBlockwiseNotification(response);
        if (CoapCodes.isEntityTooLarge(response) && !response.getOptions().hasSize1()
                && exchange.getCurrentRequest().getMaxResourceBodySize() > 0) {
            // Californium's own 4.13, to a body that outgrew the limit block by block, names no limit (R6)
            response.getOptions().setSize1(exchange.getCurrentRequest().getMaxResourceBodySize());
        }
        // an error answer ends an upload in Californium (a 4.08 or 4.13 of its own, or the resource's refusal)
        if (response.isError() && exchange.getRequest().getOptions().hasBlock1()) {
            transfers.end(KeyUri.getKey(exchange));
        }
        super.sendResponse(exchange, response);
    }

    /**
     * Tells a notification's {@link BlockwiseNotification} observer (Californium copies a response's observers onto
     * each of its blocks) that its first of several blocks, or its last block, is leaving. Retransmissions happen
     * below this layer, so each block passes here once per request for it.
     */
    private static void tellBlockwiseNotification(Response response) {
        BlockOption block2 = response.getOptions().getBlock2();
        if (block2 == null) {
            return;
        }
        for (MessageObserver observer : response.getMessageObservers()) {
            if (observer instanceof BlockwiseNotification notification) {
                if (!block2.isM()) {
                    notification.lastBlockSent();
                } else if (block2.getNum() == 0) {
                    notification.firstOfSeveralBlocksSent();
                }
            }
        }
    }

    private void answer(Exchange exchange, Request request, Response response) {
        response.setDestinationContext(request.getSourceContext());
        super.sendResponse(exchange, response);
    }

    /** The answer to a body announced larger than {@code limit}: what the resource would answer the body. */
    private Response tooLarge(Request request, String tokenPath, int limit) {
        if (tokenPath != null) {
            String detail = "token larger than " + limit + " bytes";
            audit.refused(tokenPath, PeerIdentity.keyOf(request.getSourceContext()),
                    request.getSourceContext().getPeerAddress(), null, RejectionReason.OVERSIZED,
                    detail);
            return CoapCodes.refusal(RejectionReason.OVERSIZED, detail, CoapCodes.Where.AUTHZ_INFO, 0);
        }
        return CoapCodes.entityTooLarge(limit);
    }

    /** The request's Request-Tag options (RFC 9175 §3) as one string, or null without any. */
    static String requestTagOf(Request request) {
        List<Option> tags = request.getOptions().getOthers(StandardOptionRegistry.REQUEST_TAG);
        if (tags.isEmpty()) {
            return null;
        }
        StringBuilder s = new StringBuilder();
        for (Option tag : tags) {
            s.append(HexFormat.of().formatHex(tag.getValue())).append(';');
        }
        return s.toString();
    }

    /**
     * {@code "/authz-info"} or {@code "/token"} (requests any peer may send, bodies a token's size) for their Uri-Path,
     * else null.
     */
    static String tokenPath(List<String> path) {
        return path.size() != 1 ? null : "authz-info".equals(path.get(0)) ? "/authz-info"
                : "token".equals(path.get(0)) ? "/token" : null;
    }

    /**
     * Whose uploads are counted together: the DTLS identity, or on plain UDP the IP address without the port (a
     * host has 64k source ports).
     */
    static String peerOf(EndpointContext context) {
        return context.getPeerIdentity() != null ? PeerIdentity.keyOf(context)
                : "ip:" + context.getPeerAddress().getAddress().getHostAddress();
    }
}
