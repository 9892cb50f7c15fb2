package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.MqttFields.userProperty;

import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.MessageSize;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.telemetry.PayloadSignatures;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks every message an MQTT client puts into the router passes, a PUBLISH and a will alike: at most one
 * location property, named exactly {@code geo}, then the shared {@link PublishGate} (rate plan, ACL, location,
 * payload signature) charged with the message's size as subscribers get it ({@link MessageSize}). One method for both, so a will
 * can never skip a check a PUBLISH on the same topic gets. Stateless.
 */
final class MqttPublishChecks {
    /** The user property that carries a reported location. */
    static final String LOCATION = "geo";

    private MqttPublishChecks() {
    }

    /**
     * @return null if the message may be routed, else why not (the rate plan is charged either way, first)
     */
    static PublishGate.Refusal check(MqttConnection c, String topic, byte[] payload,
                                     List<RoutedMessage.UserProperty> properties, MessageAttributes attributes) {
        int size = MessageSize.forwarded(topic, payload, properties, attributes);
        PublishGate.Refusal ambiguous = locationFormError(properties);
        String unstorable = ambiguous == null ? MessageSize.unstorableField(properties, attributes) : null;
        if (unstorable != null) { // valid MQTT the journal and other nodes cannot hold: refused before it is acknowledged
            ambiguous = new PublishGate.Refusal(RejectionReason.MESSAGE_TOO_LARGE, unstorable
                    + " is longer than the broker stores (65,535 bytes of Java's modified UTF-8, in which a character"
                    + " outside the BMP takes 6)");
        }
        if (ambiguous != null) {
            PublishGate.Refusal overRate = PublishGate.charge(c.limiter, size);
            return overRate != null ? overRate : ambiguous;
        }
        return c.edge.publishGate.check(c.acl, c.limiter, c.session.token().geo(), topic,
                size, userProperty(properties, LOCATION), c.session.tenant(),
                c.session.kind() == PrincipalKind.DEVICE ? c.session.principal() : null, payload,
                userProperty(properties, PayloadSignatures.USER_PROPERTY));
    }

    /**
     * The properties a checked message is routed with: its location as {@link GeoPolicy#routed} (lower case), or,
     * when it reported none, the one its CONNECT reported. Call only after {@link #check} passed.
     */
    static List<RoutedMessage.UserProperty> withLocation(List<RoutedMessage.UserProperty> properties,
                                                         String connectLocation) {
        for (int i = 0; i < properties.size(); i++) {
            RoutedMessage.UserProperty p = properties.get(i);
            if (p.name().equals(LOCATION)) {
                String lower = GeoPolicy.routed(p.value());
                if (lower.equals(p.value())) {
                    return properties;
                }
                List<RoutedMessage.UserProperty> copy = new ArrayList<>(properties);
                copy.set(i, new RoutedMessage.UserProperty(LOCATION, lower));
                return copy;
            }
        }
        if (connectLocation == null) {
            return properties;
        }
        List<RoutedMessage.UserProperty> copy = new ArrayList<>(properties);
        copy.add(new RoutedMessage.UserProperty(LOCATION, GeoPolicy.routed(connectLocation)));
        return copy;
    }

    /**
     * A second {@code geo}, or one spelt in another case: the gate checks one location and subscribers would read
     * another (the second copy, or a {@code GEO} nobody checked), so the message is refused as a bad location. The
     * same for the payload signature ({@code edgeauth-sig}), refused as {@code forbidden}.
     */
    static PublishGate.Refusal locationFormError(List<RoutedMessage.UserProperty> properties) {
        boolean seen = false;
        boolean signed = false;
        for (RoutedMessage.UserProperty p : properties) {
            if (p.name().equalsIgnoreCase(PayloadSignatures.USER_PROPERTY)) {
                // the gate checks the first signature; subscribers would also get a second one nobody checked
                if (signed || !p.name().equals(PayloadSignatures.USER_PROPERTY)) {
                    return new PublishGate.Refusal(RejectionReason.FORBIDDEN, "at most one payload signature, named "
                            + PayloadSignatures.USER_PROPERTY);
                }
                signed = true;
                continue;
            }
            if (!p.name().equalsIgnoreCase(LOCATION)) {
                continue;
            }
            if (!p.name().equals(LOCATION)) {
                return new PublishGate.Refusal(RejectionReason.LOCATION_OUTSIDE_CELLS,
                        "location user property must be named geo, not " + p.name());
            }
            if (seen) {
                return new PublishGate.Refusal(RejectionReason.LOCATION_OUTSIDE_CELLS,
                        "more than one location (geo) user property");
            }
            seen = true;
        }
        return null;
    }
}
