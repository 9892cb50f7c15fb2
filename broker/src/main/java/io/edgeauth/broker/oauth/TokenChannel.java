package io.edgeauth.broker.oauth;

/**
 * Where a token request came from, as its audit events ({@code token.issued}, {@code token.refused},
 * {@code device.provisioned}) name it: the endpoint ({@code http}, {@code https}, {@code coap}) and the source address
 * in the audit format ({@link io.edgeauth.broker.audit.AuditAddress}; null when unknown), which also lets the
 * refusal-burst watch count token refusals per address.
 */
public record TokenChannel(String name, String remote) {
    /** A channel without a known source address (tests, tools). */
    public static TokenChannel of(String name) {
        return new TokenChannel(name, null);
    }
}
