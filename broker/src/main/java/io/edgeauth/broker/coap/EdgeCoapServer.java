package io.edgeauth.broker.coap;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;

/**
 * A {@link CoapServer} whose root resource answers {@code GET /} with an empty 4.04. Californium's own root answers
 * it with a banner of some 400 bytes naming the framework and its version: to a 4-byte request from a spoofable
 * UDP source, a 100-fold amplifier (RFC 7252 §11.3) and a disclosure.
 */
final class EdgeCoapServer extends CoapServer {
    EdgeCoapServer(Configuration config) {
        super(config);
    }

    @Override
    protected Resource createRoot() {
        return new QuietRoot();
    }

    /** {@code /}: no representation; other methods get CoapResource's empty 4.05. */
    static final class QuietRoot extends CoapResource {
        QuietRoot() {
            super("");
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            exchange.respond(CoapCodes.nothingHere());
        }
    }
}
