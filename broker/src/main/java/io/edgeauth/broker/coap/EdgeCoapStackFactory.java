package io.edgeauth.broker.coap;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.ExtendedCoapStackFactory;
import org.eclipse.californium.core.network.Outbox;
import org.eclipse.californium.core.network.stack.BaseCoapStack;
import org.eclipse.californium.core.network.stack.BlockwiseLayer;
import org.eclipse.californium.core.network.stack.CoapStack;
import org.eclipse.californium.core.network.stack.CongestionControlLayer;
import org.eclipse.californium.core.network.stack.ExchangeCleanupLayer;
import org.eclipse.californium.core.network.stack.Layer;
import org.eclipse.californium.core.network.stack.ObserveLayer;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.EndpointContextMatcher;
import org.eclipse.californium.elements.config.Configuration;

/**
 * Californium's UDP stack (as {@code CoapUdpStack} builds it, for plain CoAP and DTLS alike) with a
 * {@link BlockwiseAdmissionLayer} right below the blockwise layer: Californium has no setting that bounds the Block1
 * uploads it buffers, and its stack factory is the public way to add a layer. On plain CoAP an
 * {@link AmplificationLimitLayer} below it keeps refusals to unauthenticated peers no larger than their requests.
 */
final class EdgeCoapStackFactory implements ExtendedCoapStackFactory {
    private final CoapSettings settings;
    private final Predicate<EndpointContext> hasSession;
    private final CoapAudit audit;

    EdgeCoapStackFactory(CoapSettings settings, Predicate<EndpointContext> hasSession, CoapAudit audit) {
        this.settings = settings;
        this.hasSession = hasSession;
        this.audit = audit;
    }

    @Override
    public CoapStack createCoapStack(String protocol, String tag, Configuration config,
                                     EndpointContextMatcher matchingStrategy, Outbox outbox, Object customStackArgument) {
        long sweepMillis = config.get(CoapConfig.BLOCKWISE_STATUS_INTERVAL, TimeUnit.MILLISECONDS);
        java.util.List<Layer> layers = new java.util.ArrayList<>(java.util.List.of(new ExchangeCleanupLayer(config),
                new ObserveLayer(config), new BlockwiseLayer(tag, false, config, matchingStrategy),
                new BlockwiseAdmissionLayer(settings, sweepMillis, hasSession, audit)));
        if (CoAP.PROTOCOL_UDP.equalsIgnoreCase(protocol)) { // a DTLS peer's address is proven by the handshake
            layers.add(new AmplificationLimitLayer(hasSession));
        }
        layers.add(CongestionControlLayer.newImplementation(tag, config));
        return new Stack(outbox, layers.toArray(new Layer[0]));
    }

    @Override
    @SuppressWarnings("deprecation") // the interface's older method: Californium calls the one above
    public CoapStack createCoapStack(String protocol, String tag, Configuration config, Outbox outbox,
                                     Object customStackArgument) {
        return createCoapStack(protocol, tag, config, null, outbox, customStackArgument);
    }

    private static final class Stack extends BaseCoapStack {
        Stack(Outbox outbox, Layer[] layers) {
            super(outbox);
            setLayers(layers);
        }
    }
}
