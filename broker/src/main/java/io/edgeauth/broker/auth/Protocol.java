package io.edgeauth.broker.auth;

/** The transport a client reached the broker over; a label in metrics and audit events. */
public enum Protocol {
    MQTT, MQTT_WS, COAP, HTTP;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
