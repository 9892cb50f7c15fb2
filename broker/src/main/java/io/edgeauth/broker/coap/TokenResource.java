package io.edgeauth.broker.coap;

import io.edgeauth.broker.refusal.RejectionReason;
import java.security.Principal;
import java.util.function.Function;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.auth.X509CertPath;

/** {@code POST /token} (RFC 9200 §5.8): an ACE token request in CBOR with an RFC 7523 client assertion. */
final class TokenResource extends CoapResource {
    private final EdgeHandlers handlers;
    private final CoapTokenIssuer issuer;
    /** Why a handshake with this client certificate would be refused now, or null ({@link RestoredDtlsSessions}). */
    private final Function<Principal, String> certificateRefusal;

    TokenResource(EdgeHandlers handlers, CoapTokenIssuer issuer, Function<Principal, String> certificateRefusal) {
        super("token"); // no title: /.well-known/core answers a few bytes more than it is asked, not a list
        this.handlers = handlers;
        this.issuer = issuer;
        this.certificateRefusal = certificateRefusal;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
        Request request = exchange.advanced().getRequest();
        Principal peer = request.getSourceContext().getPeerIdentity();
        // a DTLS session outlives a reload that revokes its certificate (live sessions stay), but it is issued no new
        // token on it: its access ends with the tokens it holds (tour AF, AF8)
        String refused = peer instanceof X509CertPath ? certificateRefusal.apply(peer) : null;
        if (refused != null) {
            String detail = "the client certificate of this DTLS session is refused now: " + refused;
            handlers.audit().refused("/token", PeerIdentity.keyOf(request.getSourceContext()),
                    exchange.getSourceSocketAddress(), null, RejectionReason.REVOKED, detail);
            exchange.respond(CoapCodes.refusal(RejectionReason.REVOKED, detail, CoapCodes.Where.TOKEN, 0));
            return;
        }
        handlers.token(exchange, issuer);
    }
}
