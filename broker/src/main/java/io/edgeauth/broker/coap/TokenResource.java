package io.edgeauth.broker.coap;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.server.resources.CoapExchange;

/** {@code POST /token} (RFC 9200 §5.8): an ACE token request in CBOR with an RFC 7523 client assertion. */
final class TokenResource extends CoapResource {
    private final EdgeHandlers handlers;
    private final CoapTokenIssuer issuer;

    TokenResource(EdgeHandlers handlers, CoapTokenIssuer issuer) {
        super("token"); // no title: /.well-known/core answers a few bytes more than it is asked, not a list
        this.handlers = handlers;
        this.issuer = issuer;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
        handlers.token(exchange, issuer);
    }
}
