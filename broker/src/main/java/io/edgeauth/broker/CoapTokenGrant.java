package io.edgeauth.broker;

import io.edgeauth.broker.audit.AuditAddress;
import io.edgeauth.broker.coap.CoapTokenIssuer;
import io.edgeauth.broker.oauth.DeviceTokenService;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.provisioning.DeviceEnrollment;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.ClientAssertionVerifier;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The CoAP {@code /token} endpoint's view of the device grant (CWT unless asked otherwise): the checks
 * {@code /oauth/token} makes on a request, the source address's token-request budget ({@code tokenRequests}), then
 * the device grant (registered devices, zero-touch enrollment, a DTLS certificate naming its {@code client_id}).
 * Thread-safe.
 */
final class CoapTokenGrant implements CoapTokenIssuer {
    private final DeviceTokenService devices;
    private final DeviceEnrollment enrollment;
    private final TokenRequestLimits limits;

    CoapTokenGrant(DeviceTokenService devices, DeviceEnrollment enrollment, TokenRequestLimits limits) {
        this.devices = devices;
        this.enrollment = enrollment;
        this.limits = limits;
    }

    @Override
    public CompletionStage<Issued> issue(Request request) {
        TokenChannel channel = new TokenChannel("coap",
                AuditAddress.of(request.transport().remoteAddress()));
        try {
            takeRequest(request.transport().remoteAddress(), channel, request.clientId());
            if (!"client_credentials".equals(request.grantType())) {
                throw new TokenRejectedException(RejectionReason.MALFORMED,
                        "only client_credentials is supported over CoAP");
            }
            TokenFormat format = TokenFormat.parse(request.tokenFormat() == null ? "cwt" : request.tokenFormat());
            // only a DTLS certificate peer naming its client_id may go without an assertion (RFC 9202)
            boolean byCertificate = request.clientAssertion().length == 0;
            if (byCertificate && (request.clientId() == null || request.transport().clientCertThumbprint() == null)) {
                throw new TokenRejectedException(RejectionReason.MALFORMED, "client_assertion missing");
            }
            // RFC 7521 §4.2: the type says how to read the assertion; /oauth/token refuses a wrong or missing one too
            if (!byCertificate && !DeviceTokenService.ASSERTION_TYPE.equals(request.clientAssertionType())) {
                throw new TokenRejectedException(RejectionReason.MALFORMED,
                        "client_assertion_type must be " + DeviceTokenService.ASSERTION_TYPE);
            }
            String assertion = new String(request.clientAssertion(), StandardCharsets.US_ASCII);
            // client_id (24) beside an assertion: the assertion's sub, as at /oauth/token (tour X, X3)
            if (!byCertificate && ClientAssertionVerifier.namesAnotherClient(request.clientId(), assertion)) {
                throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH,
                        ClientAssertionVerifier.CLIENT_ID_NOT_SUB);
            }
            // audience (5): the rule /oauth/token applies; a certificate-bound token is the broker's only
            DeviceTokenService.TargetRefusal target = byCertificate && request.audience() != null
                    ? DeviceTokenService.CERTIFICATE_TOKEN_TARGET : devices.targetRefusal(request.audience(), format);
            if (target != null && "invalid_target".equals(target.error())) {
                throw new InvalidTargetException(target.description());
            } else if (target != null) {
                throw new TokenRejectedException(RejectionReason.MALFORMED, target.description());
            }
            IssuedToken token = byCertificate
                    ? devices.issueForCertificate(request.clientId(), request.transport().clientCertThumbprint(),
                            format, request.scope(), channel)
                    : enrollment.issue(assertion, format, request.scope(), channel, request.audience());
            byte[] bytes = format.cbor() ? token.bytes() : token.asText().getBytes(StandardCharsets.US_ASCII);
            // scope as /oauth/token answers it (RFC 6749 §5.1): present when granted or asked for, "" for nothing
            boolean asked = request.scope() != null && !request.scope().isBlank();
            return CompletableFuture.completedFuture(new Issued(bytes, token.expiresInSeconds(),
                    token.scope().isEmpty() && !asked ? null : String.join(" ", token.scope())));
        } catch (TokenRejectedException | InvalidTargetException e) {
            return CompletableFuture.failedFuture(e);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new TokenRejectedException(
                    RejectionReason.MALFORMED, e.getMessage()));
        }
    }

    /** The source address's token-request budget; a refusal is audited as {@code token.refused}, once. */
    private void takeRequest(InetSocketAddress source, TokenChannel channel, String clientId)
            throws TokenRejectedException {
        try {
            limits.takeRequest(source == null ? null : source.getAddress());
        } catch (TokenRejectedException e) {
            devices.refused(e, channel, null, clientId);
            throw e;
        }
    }
}
