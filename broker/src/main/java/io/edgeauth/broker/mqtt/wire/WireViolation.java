package io.edgeauth.broker.mqtt.wire;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;

/**
 * A packet the wire refuses before Netty's decoder sees it ({@link PacketFrames}): malformed (MQTT 5 §4.13,
 * reason 0x81) or a protocol error (0x82). The wire's own DISCONNECT codes for bad input are chosen here, in one
 * place; the CONNACK codes for a refused CONNECT come from the edge's mapping ({@link ConnectRefusals}).
 */
final class WireViolation extends DecoderException {
    static final byte MALFORMED_PACKET = (byte) 0x81;
    static final byte PROTOCOL_ERROR = (byte) 0x82;
    static final byte PACKET_TOO_LARGE = (byte) 0x95;

    private final boolean protocolError;
    /** The protocol level of the connection (of the CONNECT itself when that is the refused packet); 0 unknown. */
    private final int protocolVersion;

    private WireViolation(String message, boolean protocolError, int protocolVersion) {
        super(message, null);
        this.protocolError = protocolError;
        this.protocolVersion = protocolVersion;
    }

    static WireViolation malformed(String message, int protocolVersion) {
        return new WireViolation(message, false, protocolVersion);
    }

    static WireViolation protocolError(String message, int protocolVersion) {
        return new WireViolation(message, true, protocolVersion);
    }

    boolean protocolError() {
        return protocolError;
    }

    int protocolVersion() {
        return protocolVersion;
    }

    /** The MQTT 5 DISCONNECT reason for a packet the wire or Netty's decoder refused. */
    static byte disconnectCode(Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            return PACKET_TOO_LARGE;
        }
        return cause instanceof WireViolation v && v.protocolError ? PROTOCOL_ERROR : MALFORMED_PACKET;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a peer's bad bytes: the stack says nothing and costs a walk per refusal
    }
}
