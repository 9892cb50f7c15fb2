package io.edgeauth.broker.revocation;

/**
 * Whether new tokens may be issued to a subject: every grant (device client credentials over HTTP and
 * CoAP, Ethereum-device login, SIWE login, refresh, token exchange) asks before it signs. In memory and
 * thread-safe.
 */
@FunctionalInterface
public interface SubjectBlocks {
    /** True while an operator's subject revocation holds (until it is lifted). */
    boolean blocksIssuance(String subject);

    SubjectBlocks NONE = subject -> false;
}
