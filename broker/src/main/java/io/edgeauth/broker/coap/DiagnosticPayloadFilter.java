package io.edgeauth.broker.coap;

import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;

/**
 * Removes diagnostic payloads (RFC 7252 §5.5.2: an error response's payload without Content-Format) from every
 * response an endpoint sends. Californium writes its parser's and blockwise layer's error messages there (e.g.
 * "Message contains illegal option delta/length: 15" in a 4.02 to a 7-byte datagram): an amplifier for spoofed
 * sources that also describes its internals. The edge's own refusals carry an ACE error with a Content-Format and
 * are kept. An endpoint interceptor is the one hook that also sees the answer to a malformed request.
 */
final class DiagnosticPayloadFilter extends MessageInterceptorAdapter {
    @Override
    public void sendResponse(Response response) {
        if (response.isError() && response.getPayloadSize() > 0 && !response.getOptions().hasContentFormat()) {
            response.setPayload((byte[]) null);
        }
    }
}
