package io.edgeauth.broker.coap;

import java.util.function.Predicate;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.stack.AbstractLayer;
import org.eclipse.californium.elements.EndpointContext;

/**
 * Plain CoAP only: a refusal to a peer without a token is at most {@link #FACTOR} times the size of the request it
 * answers (RFC 7252 §11.3: an unauthenticated UDP source may be spoofed, and the answer goes to the victim; 3 is
 * QUIC's anti-amplification factor, RFC 9000 §8.1). Its ACE error map loses the detail of its description, then the
 * description, keeping the error code, until it fits; refusals to a peer with a token, and everything over DTLS
 * (its cookie exchange proves the address), keep it whole. Before 2026-12-07 an 11-byte request got a 77-byte 4.01
 * (tour R, R18). Californium has no such bound, so it sits at the bottom of the plain listener's stack
 * ({@link EdgeCoapStackFactory}), below every answer the edge makes.
 */
final class AmplificationLimitLayer extends AbstractLayer {
    /** How many times its request's size an answer to an unauthenticated peer may be. */
    static final int FACTOR = 3;
    /** CoAP header (4) and payload marker (1), and the options a refusal carries: Content-Format and Max-Age. */
    private static final int FRAMING_BYTES = 4 + 1 + 2 + 3;

    private final Predicate<EndpointContext> hasSession;

    AmplificationLimitLayer(Predicate<EndpointContext> hasSession) {
        this.hasSession = hasSession;
    }

    @Override
    public void sendResponse(Exchange exchange, Response response) {
        byte[] request = exchange.getCurrentRequest().getBytes();
        if (response.isError() && response.getPayloadSize() > 0 && request != null
                && answerSize(exchange, response) > FACTOR * request.length
                && response.getOptions().getContentFormat() == MediaTypeRegistry.APPLICATION_ACE_CBOR
                && !hasSession.test(exchange.getCurrentRequest().getSourceContext())) {
            response.setPayload(CoapCodes.shortened(response.getPayload(), true));
            if (answerSize(exchange, response) > FACTOR * request.length) {
                response.setPayload(CoapCodes.shortened(response.getPayload(), false));
            }
        }
        super.sendResponse(exchange, response);
    }

    /** About the answer's datagram: its token is the request's, set below this layer. */
    private static int answerSize(Exchange exchange, Response response) {
        return FRAMING_BYTES + exchange.getCurrentRequest().getToken().length() + response.getPayloadSize();
    }
}
