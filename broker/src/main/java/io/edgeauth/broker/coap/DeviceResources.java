package io.edgeauth.broker.coap;

import java.util.List;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.OptionSet;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.DelivererException;
import org.eclipse.californium.core.server.ServerMessageDeliverer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;

/**
 * The {@code /d/{id}/...} tree. Device ids are dynamic, so no resource is kept per device: telemetry
 * ({@code /d/{id}/up/...}) is one shared {@link Up} that reads the id from the request's Uri-Path, and
 * {@link Deliverer} routes those requests to it without walking the tree (a {@link CoapResource} costs a dozen
 * allocations, too many per request at 100k requests/s). {@code /d/{id}/down} gets a light {@link Device} and
 * {@link Down} per request; only Observe relations keep their {@code Down} instance alive.
 */
final class DeviceResources {
    private DeviceResources() {
    }

    /** True for an id usable as one topic level: 1..128 printable ASCII without '/', '+', '#'. */
    static boolean validId(String id) {
        return DerivedPskStore.acceptable(id);
    }

    /** {@code /d}. */
    static final class Devices extends CoapResource {
        private final EdgeHandlers handlers;
        private final Up up;

        Devices(EdgeHandlers handlers) {
            super("d");
            this.handlers = handlers;
            this.up = new Up(handlers, this);
        }

        @Override
        public Resource getChild(String name) {
            return validId(name) ? new Device(name, handlers, this) : null;
        }

        /** The shared telemetry resource. */
        Up up() {
            return up;
        }
    }

    /**
     * Finds the shared {@link Up} for {@code d/{id}/up[/...]} directly (the id checked as {@link Devices} does);
     * every other path is found by walking the tree as usual.
     */
    static final class Deliverer extends ServerMessageDeliverer {
        private final Up up;

        Deliverer(Resource root, Configuration config, Devices devices) {
            super(root, config);
            this.up = devices.up();
        }

        /**
         * Options the edge does not implement, which Californium parses but would ignore: OSCORE (RFC 8613; a
         * critical option, so 4.02 Bad Option, RFC 7252 §5.4.1) and Proxy-Uri / Proxy-Scheme (no forward proxy here:
         * 5.05, §5.10.2). Answered without a payload.
         */
        @Override
        protected boolean preDeliverRequest(Exchange exchange) {
            OptionSet options = exchange.getRequest().getOptions();
            Response refusal = options.hasOscore() ? CoapCodes.badOption()
                    : options.hasProxyUri() || options.hasProxyScheme() ? CoapCodes.proxyingNotSupported()
                    : options.getIfMatchCount() > 0 || options.hasIfNoneMatch() && exists(options.getUriPath())
                            ? CoapCodes.preconditionFailed() : null;
            if (refusal == null) {
                return false;
            }
            exchange.sendResponse(refusal);
            return true;
        }

        /**
         * Whether a resource is at {@code path}: If-None-Match fails there (RFC 7252 §5.10.8.2; no resource here has
         * an ETag, so If-Match never matches, §5.10.8.1). Before 2026-12-07 both were ignored (tour R, R14).
         */
        private boolean exists(List<String> path) {
            try {
                return findResource(path) != null;
            } catch (DelivererException e) {
                return false;
            }
        }

        @Override
        protected Resource findResource(List<String> path) throws DelivererException {
            if (path.size() >= 3 && "d".equals(path.get(0)) && "up".equals(path.get(2)) && validId(path.get(1))) {
                return up;
            }
            return super.findResource(path);
        }
    }

    /** {@code /d/{id}}. */
    static final class Device extends CoapResource {
        private final EdgeHandlers handlers;

        Device(String id, EdgeHandlers handlers, Resource parent) {
            super(id, false);
            this.handlers = handlers;
            setParent(parent);
        }

        @Override
        public Resource getChild(String name) {
            switch (name) {
                case "up": return ((Devices) getParent()).up();
                case "down": return new Down(getName(), handlers, this);
                default: return null;
            }
        }
    }

    /**
     * {@code POST /d/{id}/up/{path...}}: telemetry to topic {@code d/{id}/up/{path}}. One instance for all
     * devices: the id is Uri-Path segment 1, already checked by whoever found this resource.
     */
    static final class Up extends CoapResource {
        private final EdgeHandlers handlers;

        Up(EdgeHandlers handlers, Resource parent) {
            super("up", false);
            this.handlers = handlers;
            setParent(parent);
        }

        @Override
        public Resource getChild(String name) {
            return this; // every deeper path segment is part of the topic
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            List<String> uriPath = exchange.advanced().getRequest().getOptions().getUriPath();
            String deviceId = uriPath.get(1);
            handlers.telemetry(exchange, deviceId, topicOf(deviceId, uriPath));
        }

        /** {@code d/{id}/up[/rest]} from Uri-Path {@code d,{id},up,rest...}; null if a segment is unusable. */
        static String topicOf(String deviceId, List<String> uriPath) {
            StringBuilder topic = new StringBuilder("d/").append(deviceId).append("/up");
            for (int i = 3; i < uriPath.size(); i++) {
                String level = uriPath.get(i);
                if (level.isEmpty() || level.indexOf('/') >= 0) { // a %2F inside a segment would make two levels
                    return null;
                }
                topic.append('/').append(level);
            }
            // the rules of every topic name (wildcards, control characters) in the one place MQTT uses too
            return topic.length() > 1024 || io.edgeauth.broker.policy.TopicFilters.topicError(topic.toString()) != null
                    ? null : topic.toString();
        }
    }

    /**
     * {@code GET /d/{id}/down} with Observe (RFC 7641): commands for the device as CON notifications, one at a
     * time and each until the device acknowledged it ({@link ObservedCommands}). Every notification re-checks the
     * session (expiry, revocation, ACL); a failed check is sent as a 4.01/4.03 notification, which ends the
     * relation.
     */
    static final class Down extends CoapResource {
        private final String deviceId;
        private final EdgeHandlers handlers;

        Down(String deviceId, EdgeHandlers handlers, Resource parent) {
            super("down", false);
            this.deviceId = deviceId;
            this.handlers = handlers;
            setParent(parent);
            setObservable(true);
            setObserveType(CoAP.Type.CON);
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            int accept = exchange.getRequestOptions().getAccept();
            if (accept != MediaTypeRegistry.UNDEFINED && accept != MediaTypeRegistry.APPLICATION_OCTET_STREAM) {
                exchange.respond(CoapCodes.notAcceptable()); // commands are octets (RFC 7252 §5.10.4; tour R, R7)
                return;
            }
            handlers.commands(exchange, deviceId, this);
        }

        @Override
        public void removeObserveRelation(ObserveRelation relation) {
            super.removeObserveRelation(relation);
            handlers.relationRemoved(relation);
        }
    }
}
