package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditAddress;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.RejectionReason;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audit record of a CoAP refusal: where, the peer's session key and address ({@code remote}, the one format of
 * every event; absent where no request was refused, as for a session dropped by a revocation) and, once bound, the
 * session's principal, tenant and token.
 */
final class CoapAudit {
    private final AuditLog audit;

    CoapAudit(AuditLog audit) {
        this.audit = audit;
    }

    void refused(String resource, String peerKey, InetSocketAddress remote, CoapSessions.Bound b,
                 RejectionReason reason, String detail) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("protocol", "coap");
        fields.put("resource", resource);
        fields.put("peer", peerKey);
        if (remote != null) {
            fields.put("remote", AuditAddress.of(remote));
        }
        if (b != null) {
            fields.put("principal", b.session().principal());
            fields.put("tenant", b.session().tenant());
            fields.put("token", b.session().token().fingerprint());
        }
        fields.put("detail", detail);
        audit.record("coap.refused", reason.code(), fields);
    }
}
