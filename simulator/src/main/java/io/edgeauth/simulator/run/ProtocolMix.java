package io.edgeauth.simulator.run;

import java.util.Locale;

/**
 * Which protocol each device of the fleet speaks: a pure function of the device index (a hash, as for
 * {@link ChaosPlan}), so every shard and every re-run agrees, and a share {@code s} of CoAP picks about
 * {@code s} of any range of indices.
 *
 * @param coapShare fraction of devices that speak CoAP (the rest MQTT), in [0, 1]
 */
public record ProtocolMix(double coapShare) {
    /** Every device speaks MQTT. */
    public static final ProtocolMix MQTT_ONLY = new ProtocolMix(0);

    /** The protocols a device can speak. */
    public enum Protocol { MQTT, COAP }

    public ProtocolMix {
        if (!(coapShare >= 0 && coapShare <= 1)) {
            throw new IllegalArgumentException("CoAP share must be in [0, 1], got " + coapShare);
        }
    }

    /** Whether any device of the fleet speaks CoAP. */
    public boolean anyCoap() {
        return coapShare > 0;
    }

    /** Whether any device of the fleet speaks MQTT. */
    public boolean anyMqtt() {
        return coapShare < 1;
    }

    /** The protocol of device {@code index}. */
    public Protocol protocolOf(long index) {
        if (coapShare == 0) {
            return Protocol.MQTT;
        }
        if (coapShare == 1) {
            return Protocol.COAP;
        }
        // a different constant from ChaosPlan's, so chaos devices spread over both protocols
        long z = index * 0xD1B54A32D192ED03L + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 32)) * 0xDABA0B6EB09322E3L;
        z ^= z >>> 29;
        double u = (z >>> 11) * 0x1.0p-53;
        return u < coapShare ? Protocol.COAP : Protocol.MQTT;
    }

    /**
     * Parses {@code mqtt}, {@code coap}, {@code mqtt,coap} (equal shares) or weights such as
     * {@code mqtt=3,coap=1}.
     */
    public static ProtocolMix parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--protocol must name mqtt, coap or both");
        }
        double mqtt = 0;
        double coap = 0;
        for (String part : spec.split(",", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            double weight = 1;
            int eq = p.indexOf('=');
            if (eq >= 0) {
                try {
                    weight = Double.parseDouble(p.substring(eq + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--protocol weight is not a number: '" + part.trim() + "'");
                }
                p = p.substring(0, eq);
                if (!(weight >= 0 && weight <= 1_000_000)) {
                    throw new IllegalArgumentException("--protocol weight must be 0..1000000: '" + part.trim() + "'");
                }
            }
            switch (p) {
                case "mqtt" -> mqtt += weight;
                case "coap" -> coap += weight;
                default -> throw new IllegalArgumentException("--protocol: unknown protocol '" + part.trim() + "'; expected mqtt or coap");
            }
        }
        if (mqtt + coap <= 0) {
            throw new IllegalArgumentException("--protocol weights must not all be 0");
        }
        return new ProtocolMix(coap / (mqtt + coap));
    }

    /** As the report shows it, e.g. {@code mqtt=0.75,coap=0.25}. */
    public String label() {
        return String.format(Locale.ROOT, "mqtt=%.4g,coap=%.4g", 1 - coapShare, coapShare);
    }
}
