package io.edgeauth.broker.coap;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.server.resources.CoapExchange;

/** {@code POST /authz-info} (RFC 9200 §5.10.1): upload an access token, bound to the peer that sent it. */
final class AuthzInfoResource extends CoapResource {
    private final EdgeHandlers handlers;

    AuthzInfoResource(EdgeHandlers handlers) {
        super("authz-info"); // no title: /.well-known/core answers a few bytes more than it is asked, not a list
        this.handlers = handlers;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
        handlers.authzInfo(exchange);
    }
}
